// Non-interactive runs (`sft FILE.sft`, `cat FILE.sft | sft`, `sft -c 'cmd; cmd'`): each command is echoed after
// the prompt, then its output, so stdout reads like a notebook. `#` lines and blank lines are echoed as they are.
// The first failure stops the run with exit code 1, unless keep-going (`--keep-going`, or a `#!keep-going`
// line in the script), which runs on but still exits 1.

import Foundation
import SFT

public struct ScriptRunner {
    public let shell: Shell
    public var keepGoing: Bool

    public init(shell: Shell, keepGoing: Bool) {
        self.shell = shell
        self.keepGoing = keepGoing
    }

    /// Runs the lines; returns the exit code (0 all ran, 1 a command failed or was stopped by Ctrl-C, 130 Ctrl-C
    /// while waiting for input).
    public mutating func run<S: Sequence>(_ lines: S) -> Int32 where S.Element == String {
        var failed = false
        // `chat` in a script reads the script's next lines as its input, echoed after its own prompt.
        let source = LineSource(lines.makeIterator())
        let out = shell.session.out
        shell.session.readInput = { prompt in
            guard let l = source.next() else { return nil }
            out.print(prompt + l)
            return l
        }
        while let raw = source.next() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { shell.session.out.print(); continue }
            if trimmed.hasPrefix("#") {
                if trimmed == "#!keep-going" { keepGoing = true }
                shell.session.out.print(line)
                continue
            }
            if !shell.execute(line: line, echo: true, keepGoing: keepGoing) {
                failed = true
                if !keepGoing { return 1 }
            }
            if shell.session.quitRequested { break }
        }
        if Cancellation.requested { return 130 }      // Ctrl-C while reading stdin ended the input
        return failed ? 1 : 0
    }
}

/// A shared iterator over script lines, so a command can take lines from the same script.
final class LineSource {
    private let nextLine: () -> String?
    init<I: IteratorProtocol>(_ iterator: I) where I.Element == String {
        var it = iterator
        nextLine = { it.next() }
    }
    func next() -> String? { nextLine() }
}

/// Lines of stdin, read lazily (so `sft` in a pipe runs each command as it arrives).
public struct StdinLines: Sequence, IteratorProtocol {
    public init() {}
    public mutating func next() -> String? { readLine(strippingNewline: true) }
}
