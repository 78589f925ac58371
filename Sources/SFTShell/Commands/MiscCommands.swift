// Small commands: `history` (this session's commands), `clear` (the screen), `quit`/`exit`.
import ArgumentParser
import Foundation
import SFT

struct HistoryCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List the commands run in this session (failed ones marked, and the train commands `undo` can take back).")

    @Option(name: .shortAndLong, help: "Show only the last N.")
    var last: Int?

    mutating func run(session: Session) throws {
        if let last, last < 1 { throw SFTError("--last must be >= 1, got \(last)", hint: "history --last 10") }
        let all = Array(session.record.enumerated())
        let shown = last.map { Array(all.suffix($0)) } ?? all
        if shown.isEmpty { return session.out.print("no commands yet") }
        // `undo` can take back the train commands marked (undo).
        let undoable = Set(session.run?.undoPoints.map(\.tag) ?? [])
        var t = Table([Table.Column("#", right: true), Table.Column("command"), Table.Column("")], showHeader: false)
        for (i, e) in shown { t.add([String(i + 1), e.command, e.ok ? (undoable.contains(i) ? "(undo)" : "") : "(failed)"]) }
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
        commandName: "quit", abstract: "Leave sft (history is saved; Ctrl-D does the same).", aliases: ["exit"])

    mutating func run(session: Session) throws { session.quitRequested = true }
}
