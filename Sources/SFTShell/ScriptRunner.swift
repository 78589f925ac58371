// Non-interactive runs (`sft FILE.sft`, `cat FILE.sft | sft`, `sft -c 'cmd; cmd'`, `run FILE` in the shell):
// each command is echoed after the prompt, then its output, so stdout reads like a notebook. `#` lines and
// blank lines are echoed as they are. An error names where it happened (`bad.sft:3: error: ...`) when the
// script has a name. The first failure stops the run with exit code 1, unless keep-going (`--keep-going`, or a
// `#!keep-going` line in the script), which runs on but still exits 1.
// A notebook written by `session save` (its first line is Notebook.header) holds each command's output as `# `
// lines: the replay compares what the command prints now with them and says where they differ; with `check`
// (`sft --check FILE`) a difference makes the exit code 1.

import Foundation
import SFT

public struct ScriptRunner {
    public let shell: Shell
    public var keepGoing: Bool
    /// The script's name in error lines (`bad.sft:3: error: ...`); nil for `-c` and stdin.
    public var name: String?
    /// A notebook replay whose output differs from its record fails (exit 1).
    public var check = false
    /// After `run`: commands that failed, and commands whose output differed from the notebook's record.
    public private(set) var failures = 0
    public private(set) var differences = 0

    public init(shell: Shell, keepGoing: Bool, name: String? = nil, check: Bool = false) {
        self.shell = shell
        self.keepGoing = keepGoing
        self.name = name
        self.check = check
    }

    /// A replayed notebook command waiting for the output lines recorded under it.
    private struct Replay {
        var command: String
        var line: Int                  // the command's line; its recorded output follows it
        var output: [String]
        var recorded: [String] = []
    }

    /// Runs the lines; returns the exit code (0 all ran, 1 a command failed or was stopped by Ctrl-C, or a
    /// checked replay differed, 130 Ctrl-C while waiting for input).
    public mutating func run<S: Sequence>(_ lines: S) -> Int32 where S.Element == String {
        let session = shell.session
        let out = session.out
        // `chat` in a script reads the script's next lines as its input, echoed after its own prompt. What the
        // caller had (the REPL's line editor, an outer script) comes back when this script ends.
        let source = LineSource(lines.makeIterator())
        let (outerInput, outerLocation) = (session.readInput, out.location)
        defer { session.readInput = outerInput; out.location = outerLocation }
        session.readInput = { prompt in
            guard let l = source.next() else { return nil }
            out.print(prompt + l)
            return l
        }
        var notebook = false, unchecked = false
        var replay: Replay?
        var stopped = false
        while let raw = source.next() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if source.number == 1, line.hasPrefix(Notebook.header) { notebook = true }
            if trimmed.hasPrefix("#") {
                if trimmed == "#!keep-going" { keepGoing = true }
                if trimmed == Notebook.uncheckedDirective { unchecked = true }
                out.print(line)
                if replay != nil, !trimmed.hasPrefix("#!") {
                    replay!.recorded.append(line == "#" ? "" : String(line.dropFirst(line.hasPrefix("# ") ? 2 : 1)))
                }
                continue
            }
            if let r = replay { compare(r); replay = nil }
            if trimmed.isEmpty { out.print(); continue }
            let number = source.number
            if let name { out.location = "\(name):\(number)" }
            out.beginCapture()
            let ok = shell.execute(line: line, echo: true, keepGoing: keepGoing)
            let printed = out.endCapture()
            out.location = outerLocation
            if notebook && ok && !unchecked && !Notebook.uncheckedCommands.contains(firstWord(trimmed)) {
                var shown = printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if shown.last == "" { shown.removeLast() }
                if shown.first?.hasPrefix("sft> ") == true { shown.removeFirst() }
                replay = Replay(command: trimmed, line: number, output: shown)
            }
            unchecked = false
            if !ok {
                failures += 1
                if !keepGoing { stopped = true; break }
            }
            if session.quitRequested { break }
        }
        if let r = replay { compare(r) }
        if differences > 0 {
            out.print("warning: \(differences == 1 ? "1 command" : "\(differences) commands") printed other output than the notebook recorded"
                      + (check ? "" : " (`sft --check FILE` fails on this)"))
        }
        if Cancellation.requested && !stopped { return 130 }      // Ctrl-C while reading stdin ended the input
        return failures > 0 || (check && differences > 0) ? 1 : 0
    }

    /// Says where a replayed command's output first differs from the lines the notebook recorded under it.
    private mutating func compare(_ r: Replay) {
        let now = r.output.map(Self.plain), was = r.recorded.map(Self.plain)
        guard now != was else { return }
        differences += 1
        let i = zip(now, was).prefix { $0 == $1 }.count
        let line = r.line + 1 + i
        let place = name.map { "\($0):\(line): " } ?? ""
        shell.session.out.print(place + "warning: `\(r.command)` printed other output than the notebook recorded")
        shell.session.out.print("  recorded: " + (i < was.count ? was[i] : "(nothing more)"))
        shell.session.out.print("  now:      " + (i < now.count ? now[i] : "(nothing more)"))
    }

    private func firstWord(_ s: String) -> String { s.split(separator: " ").first.map(String.init) ?? "" }

    /// Text without terminal colour codes (a notebook saved in a colour terminal replays in a pipe).
    static func plain(_ s: String) -> String {
        guard s.contains("\u{1B}") else { return s }
        return s.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
    }
}

/// A shared iterator over script lines, so a command can take lines from the same script; counts the lines
/// read (the line number of the last one).
final class LineSource {
    private let nextLine: () -> String?
    private(set) var number = 0
    init<I: IteratorProtocol>(_ iterator: I) where I.Element == String {
        var it = iterator
        nextLine = { it.next() }
    }
    func next() -> String? {
        guard let l = nextLine() else { return nil }
        number += 1
        return l
    }
}

/// Lines of stdin, read lazily (so `sft` in a pipe runs each command as it arrives).
public struct StdinLines: Sequence, IteratorProtocol {
    public init() {}
    public mutating func next() -> String? { readLine(strippingNewline: true) }
}
