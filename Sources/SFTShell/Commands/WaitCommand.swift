// `wait SECONDS`: does nothing for a while, with a progress bar, stopping early on Ctrl-C. It exercises the
// long-command path (progress on stderr, Cancellation polled every 10 ms) the way training will use it. A test
// tool: `help` does not list it (`help wait` still describes it).
import ArgumentParser
import Foundation
import SFT

struct WaitCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait SECONDS with a progress bar (Ctrl-C stops it); for testing.", shouldDisplay: false)

    @Argument(help: "How long, in seconds (0 to 3600).")
    var seconds: Double

    mutating func run(session: Session) throws {
        guard seconds >= 0, seconds <= 3600 else {
            throw SFTError("seconds must be in [0, 3600], got \(seconds)", hint: "wait 2")
        }
        let bar = ProgressBar("wait", total: seconds, unit: "s")
        let start = Date()
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= seconds { break }
            if Cancellation.requested {
                bar.finish("stopped")
                session.out.print("stopped after \(String(format: "%.1f", elapsed)) of \(fmt(seconds)) s")
                return
            }
            bar.update(elapsed)
            usleep(10_000)
        }
        bar.update(seconds)
        bar.finish()
        session.out.print("waited \(fmt(seconds)) s")
    }

    private func fmt(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : "\(s)" }
}
