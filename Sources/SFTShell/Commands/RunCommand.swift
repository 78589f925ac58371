// `run FILE.sft [--keep-going]`: runs a notebook script inside the current session, echoing each command like
// `sft FILE.sft` does; an error names its place (`bad.sft:3: error: ...`). It stops at the first error, unless
// --keep-going (or a `#!keep-going` line in the file): then every error is reported, the rest still runs, and
// `run` fails at the end.
import ArgumentParser
import Foundation
import SFT

struct RunCommand: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a .sft notebook script in this session.")

    @Argument(help: "Path of the script, e.g. sessions/01-tour.sft.", completion: .file(extensions: ["sft"]))
    var file: String

    @Flag(name: .customLong("keep-going"), help: "Run on after a failed command; `run` still fails at the end.")
    var keepGoing = false

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
        var runner = ScriptRunner(shell: Shell(session: session), keepGoing: keepGoing, name: ModelInfo.displayPath(path))
        guard runner.run(lines) != 0 else { return }
        if runner.failures == 0 {
            throw SFTError("\(file) printed other output than its notebook recorded", hint: "the warnings above say where")
        }
        if runner.keepGoing {
            throw SFTError("\(file): \(Plural.count(runner.failures, "command")) failed", hint: "the errors above say where")
        }
        throw SFTError("\(file) stopped at a failed command", hint: "fix it and `run \(file)` again, or `run --keep-going \(file)` runs on after errors")
    }
}
