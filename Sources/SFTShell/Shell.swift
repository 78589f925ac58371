// Shell: runs one typed line against the session. Splits it (quotes, `;`), finds each command in the
// CommandRegistry, parses its words with swift-argument-parser, runs it, and turns every failure into one
// `error: ...` line plus a `hint: ...` line. Each command is recorded with its output for `session save`.
// Nothing here reads the terminal: the REPL and the script runner both feed lines in.
import ArgumentParser
import Foundation
import SFT

public final class Shell {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// Runs every command on a line; `echo` prints `sft> command` first (scripts). Returns false when one failed;
    /// the rest of the line is then skipped unless `keepGoing`.
    @discardableResult
    public func execute(line: String, echo: Bool = false, keepGoing: Bool = false) -> Bool {
        let commands: [LineSplitter.Command]
        do {
            commands = try LineSplitter.split(line)
        } catch let e as SFTError {
            if echo { session.out.print("sft> " + line.trimmingCharacters(in: .whitespaces)) }
            session.out.error(e)
            return false
        } catch { return false }
        var ok = true
        for c in commands {
            if echo { session.out.print("sft> " + c.text) }
            if !run(c) {
                ok = false
                if !keepGoing { break }
            }
            if session.quitRequested { break }
        }
        return ok
    }

    /// Runs one split command; records it; false when it failed or was interrupted.
    public func run(_ command: LineSplitter.Command) -> Bool {
        Cancellation.reset()
        session.currentCommand = command.text
        session.replayAs = nil
        if command.words.first != "quit" && command.words.first != "exit" { session.quitWarned = false }
        session.out.beginCapture()
        // The live model is shared with `serve`: a command runs holding the gate (requests wait for it, it waits
        // for the request in progress), except the few that must not block the server (ServingState.ungated).
        let gated = !ServingState.ungated.contains(command.words.first ?? "")
        let words = NegativeNumbers.joined(command.words)
        // The int8 copy follows the live model: checked after every command, under the gate `serve` answers from.
        let body = { () -> Bool in let ok = self.dispatch(words); self.session.followInt8(); return ok }
        let ran = gated ? session.serving.gate.withGate(body) : body()
        let interrupted = Cancellation.requested
        let ok = ran && !interrupted
        let output = session.out.endCapture()
        if session.runDepth == 0 {      // inside `run FILE`, the `run` line is the record
            session.appendRecord(.init(command: command.text, output: output, ok: ok, interrupted: ran && interrupted,
                                       replayAs: session.replayAs))
        }
        Cancellation.reset()
        return ok
    }

    private func dispatch(_ words: [String]) -> Bool {
        guard let name = words.first else { return true }
        guard let root = CommandRegistry.find(name) else {
            session.out.error("unknown command '\(name)'", hint: hintForUnknown(name))
            return false
        }
        let args = Array(words.dropFirst())
        var helpPath = CommandRegistry.name(of: root)
        if let sub = args.first, CommandRegistry.subcommand(of: root, sub) != nil { helpPath += " " + sub }
        let subs = root.configuration.subcommands.map { CommandRegistry.name(of: $0) }
        if !subs.isEmpty, let word = args.first, !word.hasPrefix("-"), word != "help", !subs.contains(word) {
            let near = EditDistance.nearest(to: word, in: subs).map { "did you mean '\($0)'? " } ?? ""
            session.out.error("\(helpPath) has no subcommand '\(word)'",
                              hint: near + "subcommands: " + subs.joined(separator: ", "))
            return false
        }
        let parsed: ParsableCommand
        do {
            parsed = try root.parseAsRoot(args)
        } catch {
            if root.exitCode(for: error) == .success {       // --help, -h, `session help save`
                let text = root.fullMessage(for: error, columns: 100)
                session.out.print(lines: text.split(separator: "\n", omittingEmptySubsequences: false)
                                             .map(String.init).droppingTrailingBlanks())
                return true
            }
            session.out.error(Shell.shortParseMessage(root.message(for: error)), hint: "help \(helpPath)")
            return false
        }
        if !(parsed is ShellCommand) && type(of: parsed) != root {   // ArgumentParser's own help (`-h`, `session help save`)
            let leaf = args.first.flatMap { CommandRegistry.subcommand(of: root, $0) }
                ?? args.dropFirst().first.flatMap { CommandRegistry.subcommand(of: root, $0) } ?? root
            let text = root.helpMessage(for: leaf, columns: 100)
            session.out.print(lines: text.split(separator: "\n", omittingEmptySubsequences: false)
                                         .map(String.init).droppingTrailingBlanks())
            return true
        }
        guard var command = parsed as? ShellCommand else {
            session.out.error("\(helpPath) needs a subcommand: \(subs.joined(separator: ", "))", hint: "help \(helpPath)")
            return false
        }
        do {
            try command.run(session: session)
            return true
        } catch let e as SFTError {
            session.out.error(e)
        } catch {
            session.out.error("\(error)", hint: nil)
        }
        return false
    }

    /// First line of ArgumentParser's message, without its `Error: ` prefix, starting lower-case.
    static func shortParseMessage(_ message: String) -> String {
        var m = message.split(separator: "\n").first.map(String.init) ?? message
        if m.hasPrefix("Error: ") { m.removeFirst(7) }
        if let f = m.first, f.isUppercase, !(m.dropFirst().first?.isUppercase ?? false) {
            m = f.lowercased() + m.dropFirst()
        }
        return m
    }
}
