// What a shell command is: a swift-argument-parser command struct (its options, arguments and help text are
// declared once, and `help`, errors and tab completion all come from them) plus `run(session:)`.
// Commands print results through `session.out`, throw SFTError for anything the person can fix, and poll
// `Cancellation.requested` in long loops.
import ArgumentParser
import SFT

public protocol ShellCommand: ParsableCommand {
    mutating func run(session: Session) throws
}

extension ShellCommand {
    /// The shell never calls the ArgumentParser entry point; `run(session:)` is the one that runs.
    public mutating func run() throws {}
}
