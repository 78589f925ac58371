// The real binary through pipes: scripts echo each command after the prompt, comments pass through, the
// first error stops the run with exit 1 (or not, with --keep-going), -c runs commands from the argument,
// errors come as `error:` + `hint:` on stdout, bad command-line usage exits 2, `session save` replays.
import Foundation
import XCTest
import SFTShell

final class ScriptModeTests: XCTestCase {
    func testPipedScriptEchoesCommandsAndComments() throws {
        let r = try SFTBinary.run([], stdin: "# a comment\nset epochs 2\n\nget epochs\n")
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, """
            # a comment
            sft> set epochs 2
            epochs = 2

            sft> get epochs
            epochs = 2
              passes over the training split; allowed: [1, 50]; default: 1

            """)
    }

    func testStopsAtFirstErrorWithExitCode1() throws {
        let r = try SFTBinary.run([], stdin: "set epochs 2\nset epochs 99\nget epochs\n")
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stdout.contains("error: epochs must be in [1, 50], got 99\nhint: "), r.stdout)
        XCTAssertFalse(r.stdout.contains("sft> get epochs"), "ran past the error:\n" + r.stdout)
    }

    func testKeepGoingRunsOnButStillFails() throws {
        let r = try SFTBinary.run(["--keep-going"], stdin: "set epochs 99\nget epochs\n")
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stdout.contains("sft> get epochs\nepochs = 1"), r.stdout)
    }

    func testDashCRunsSemicolonSeparatedCommands() throws {
        let r = try SFTBinary.run(["-c", "set top-k 5; get top-k"])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.stdout.hasPrefix("sft> set top-k 5\ntop-k = 5\nsft> get top-k\ntop-k = 5\n"), r.stdout)
        let bad = try SFTBinary.run(["-c", "nope; status"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertFalse(bad.stdout.contains("sft> status"))
    }

    func testUnknownCommandHintsNearestName() throws {
        let r = try SFTBinary.run(["-c", "stauts"])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.stdout, "sft> stauts\nerror: unknown command 'stauts'\nhint: did you mean 'status'? `help` lists all commands\n")
    }

    func testBadOptionAndTypeErrorsAreShortWithHelpHint() throws {
        let r = try SFTBinary.run(["-k", "-c", "wait 1 --fast; wait soon; set batch-size x"])
        XCTAssertTrue(r.stdout.contains("error: unknown option '--fast'\nhint: help wait\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("error: the value 'soon' is invalid for '<seconds>'\nhint: help wait\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("error: batch-size must be an integer, got 'x'\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("USAGE"), "parse errors should be one line, not the whole help")
    }

    func testUsageErrorsExit2AndVersionHelpWork() throws {
        XCTAssertEqual(try SFTBinary.run(["--bogus"]).code, 2)
        XCTAssertEqual(try SFTBinary.run(["/no/such/file.sft"]).code, 2)
        let h = try SFTBinary.run(["--help"])
        XCTAssertEqual(h.code, 0)
        XCTAssertTrue(h.stdout.contains("usage: sft"))
    }

    func testResultsOnStdoutMachineFiguresOnStderr() throws {
        let r = try SFTBinary.run(["-c", "status"])
        XCTAssertTrue(r.stdout.contains("model "), r.stdout)
        XCTAssertFalse(r.stdout.contains("RSS"))
        XCTAssertTrue(r.stderr.contains("MiB RSS"), r.stderr)
        XCTAssertFalse(r.stderr.contains("OpenBLAS"), "plain `status` leaves the math libraries to `status --all`: " + r.stderr)
    }

    func testSetsOpenBLASEnvironmentItselfAndKeepsTheUsers() throws {
        // Started bare, sft re-executes itself with the core type for this CPU and the short thread timeout.
        let bare = try SFTBinary.run(["--no-model", "-c", "status --all"],
                                     environment: ["OPENBLAS_CORETYPE": nil, "OPENBLAS_THREAD_TIMEOUT": nil])
        XCTAssertEqual(bare.code, 0, bare.stderr)
        XCTAssertTrue(bare.stderr.contains("(thread timeout \(BLASEnvironment.threadTimeout))"), bare.stderr)
        if let core = BLASEnvironment.coreTypeForThisCPU() {
            XCTAssertTrue(bare.stderr.lowercased().contains("openblas \(core.lowercased()) x"), bare.stderr)
        }
        let users = try SFTBinary.run(["--no-model", "-c", "status --all"], environment: ["OPENBLAS_THREAD_TIMEOUT": "20"])
        XCTAssertTrue(users.stderr.contains("(thread timeout 20)"), users.stderr)
    }

    func testSessionSaveWritesAReplayableNotebook() throws {
        let home = SFTBinary.tempHome()
        let r = try SFTBinary.run(["-c", "set epochs 4; nope"], home: home)
        XCTAssertEqual(r.code, 1)
        let save = try SFTBinary.run(["-k", "-c", "set seed 9; get seed; session save demo; session list"], home: home)
        XCTAssertEqual(save.code, 0, save.stdout)
        XCTAssertTrue(save.stdout.contains("saved 2 commands to \(home.path)/sessions/demo.sft"), save.stdout)
        let file = home.appendingPathComponent("sessions/demo.sft")
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.contains("set seed 9\n# seed = 9\n\nget seed\n# seed = 9\n"), text)
        let replay = try SFTBinary.run([file.path], home: home)
        XCTAssertEqual(replay.code, 0, replay.stdout)
        XCTAssertTrue(replay.stdout.contains("sft> get seed\nseed = 9\n"), replay.stdout)
        let again = try SFTBinary.run(["-c", "session save demo"], home: home)
        XCTAssertEqual(again.code, 1)
        XCTAssertTrue(again.stdout.contains("--force"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent("sessions").path)
        // .lock is the advisory lock two sft processes share (kept on purpose); temporaries are *.tmp-<pid>-<n>
        XCTAssertEqual(leftovers.filter { $0 != ".lock" }.sorted(), ["demo.sft", "demo.state"],
                       "atomic write leaves no temp files")
    }

    func testRunCommandRunsAScriptInsideTheSession() throws {
        let home = SFTBinary.tempHome()
        let script = home.appendingPathComponent("inner.sft")
        try "set epochs 7\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try SFTBinary.run(["-c", "run \(script.path); get epochs"], home: home)
        XCTAssertEqual(r.code, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("sft> set epochs 7\nepochs = 7\nsft> get epochs\nepochs = 7"), r.stdout)
    }
}
