// `run FILE.sft`: runs a notebook script inside the current session, echoing each command like `sft FILE.sft`
// does, and stops at its first error (unless the file has a `#!keep-going` line).
import ArgumentParser
import Foundation
import SFT

struct RunCommand: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a .sft notebook script in this session.")

    @Argument(help: "Path of the script, e.g. sessions/01-tour.sft.", completion: .file(extensions: ["sft"]))
    var file: String

    mutating func run(session: Session) throws {
        let path = (file as NSString).expandingTildeInPath
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SFTError("cannot read \(file)", hint: "check the path; Tab completes file names")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        session.runDepth += 1
        defer { session.runDepth -= 1 }
        guard session.runDepth <= 8 else { throw SFTError("scripts nested too deep", hint: "does \(file) run itself?") }
        var runner = ScriptRunner(shell: Shell(session: session), keepGoing: false)
        if runner.run(lines) != 0 { throw SFTError("\(file) stopped at a failed command", hint: "fix it and `run \(file)` again") }
    }
}
