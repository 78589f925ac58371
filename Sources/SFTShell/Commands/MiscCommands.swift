// Small commands: `history` (this session's commands), `clear` (the screen), `quit`/`exit`.
import ArgumentParser
import Foundation
import SFT

struct HistoryCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List the commands run in this session (failed and stopped ones marked, and the train commands `undo` can take back).")

    @Argument(help: "Show only the last N (the same as --last N).")
    var count: Int?

    @Option(name: .shortAndLong, help: "Show only the last N.")
    var last: Int?

    mutating func run(session: Session) throws {
        if let count, let last, count != last { throw SFTError("give N or --last N, not both", hint: "history 10") }
        let n = self.last ?? count
        if let n, n < 1 { throw SFTError("history shows the last N commands for N >= 1, got \(n)", hint: "history 10") }
        let all = Array(session.record.enumerated())
        let shown = n.map { Array(all.suffix($0)) } ?? all
        if shown.isEmpty { return session.out.print("no commands yet") }
        // `undo` can take back the train commands marked (undo).
        let undoable = Set(session.run?.undoPoints.map(\.tag) ?? [])
        var t = Table([Table.Column("#", right: true), Table.Column("command"), Table.Column("")], showHeader: false)
        for (i, e) in shown {
            let mark = e.ok ? (undoable.contains(i) ? "(undo)" : "") : e.interrupted ? "(stopped)" : "(failed)"
            t.add([String(i + 1), e.command, mark])
        }
        session.out.print(lines: t.render())
    }
}

struct ClearCommand: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "clear", abstract: "Clear the screen (a no-op in scripts).")

    mutating func run(session: Session) throws {
        if session.interactive && isatty(STDOUT_FILENO) == 1 {
            fputs("\u{1B}[H\u{1B}[2J", stdout)
            fflush(stdout)
        }
    }
}

struct QuitCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "quit", abstract: "Leave sft (history is saved; Ctrl-D does the same). With an unsaved training run it warns once first.",
        aliases: ["exit"])

    @Flag(help: "Leave at once, even with an unsaved training run.") var force = false

    mutating func run(session: Session) throws {
        // In the shell the first `quit` only warns; a script has nobody to answer, so it warns and leaves.
        if !force, !session.quitWarned, let warning = session.unsavedRunWarning() {
            session.out.print(warning)
            if session.interactive {
                session.quitWarned = true
                return session.out.print("`quit` again (or Ctrl-D) leaves without it")
            }
        }
        session.quitRequested = true
    }
}
