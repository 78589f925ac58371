// Where commands print results: stdout, and a copy kept for the running command so `session save` can write
// each command with its output. Progress and timing go to stderr through `note`, never copied, never on stdout.
import Foundation
import SFT

public final class Output {
    /// Copies being kept, innermost last (`run FILE` records its own commands while being recorded itself).
    private var captures: [String] = []
    /// Where the running command comes from in a script (`bad.sft:3`); errors start with it, as a compiler's do.
    public var location: String?

    public init() {}

    /// Prints one or more lines of results to stdout (and into the running command's record).
    public func print(_ text: String = "") {
        let line = text + "\n"
        for i in captures.indices { captures[i] += line }
        fputs(line, stdout)
        fflush(stdout)
    }

    /// Writes text with no newline (streamed model output), flushed at once, kept in the record like `print`.
    public func write(_ text: String) {
        if text.isEmpty { return }
        for i in captures.indices { captures[i] += text }
        fputs(text, stdout)
        fflush(stdout)
    }

    /// Prints lines (a rendered table, a chart).
    public func print(lines: [String]) { for l in lines { print(l) } }

    /// Text to stderr: timing, memory, progress summaries. Not part of a transcript.
    public func note(_ text: String) {
        fputs(text + "\n", stderr)
    }

    /// An error as the shell shows it: `error: message` (in a script `FILE:LINE: error: message`) then `hint: ...`,
    /// on stdout so transcripts show it.
    public func error(_ message: String, hint: String?) {
        print((location.map { "\($0): " } ?? "") + Colour.red("error: ") + message)
        if let hint { print(Colour.dim("hint: " + hint)) }
    }

    public func error(_ e: SFTError) {
        var place = ""
        if let f = e.file { place = e.line.map { "\(f):\($0): " } ?? "\(f): " }
        error(place + e.message, hint: e.hint)
    }

    /// Starts keeping a copy of what is printed; `endCapture` returns it.
    func beginCapture() { captures.append("") }
    func endCapture() -> String { captures.popLast() ?? "" }
}
