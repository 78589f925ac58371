// Issue 16 (what a new user hit) through the real binary and pipes: several -c in order, negative option values,
// errors in scripts with file and line (`sft bad.sft`, `run bad.sft`, `run --keep-going`), `save` refusing to
// replace an entry, a training run with unsaved steps guarded from `model load`/`lora drop`/`quit`, notebooks
// that record what a stopped `train` ran and replays that say when their output differs (`--check`), and the
// rough edges: `history N`, chat's /help and /system, `status` without library jargon, the default training set.
import Foundation
import XCTest

final class NewcomerShellTests: XCTestCase {
    var home: URL!

    override func setUp() { home = SFTBinary.tempHome() }
    override func tearDown() { if let home { try? FileManager.default.removeItem(at: home) } }

    /// The default model for the tests that need one (a clear failure when it is missing).
    private func requireModel() throws {
        guard FileManager.default.fileExists(atPath: TrainShellTests.modelPath) else {
            XCTFail("default model missing at \(TrainShellTests.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
            throw XCTSkip("no model")
        }
        setenv("SFT_MODEL", TrainShellTests.modelPath, 1)
    }

    /// Runs script lines through stdin from the package root (so sessions/data/... paths work).
    private func script(_ lines: [String], expect code: Int32? = 0, timeout: Double = 300) throws -> SFTBinary.Result {
        let r = try SFTBinary.run([], stdin: lines.joined(separator: "\n") + "\n", home: home, timeout: timeout, cwd: SFTBinary.packageRoot)
        if let code { XCTAssertEqual(r.code, code, r.stdout + r.stderr) }
        return r
    }

    private let quick = ["set batch-size 2", "set max-seq-len 64", "data load sessions/data/identity.jsonl"]

    // MARK: bug 15

    func testSeveralDashCOptionsRunInOrder() throws {
        let r = try SFTBinary.run(["--no-model", "-c", "set epochs 3", "-c", "get epochs; set seed 5", "-c", "get seed"], home: home)
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("sft> set epochs 3\nepochs = 3\nsft> get epochs\nepochs = 3\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nsft> set seed 5\nseed = 5\nsft> get seed\nseed = 5\n"), r.stdout)
    }

    // MARK: bug 14

    func testNegativeOptionValueIsAValueAndGetsTheRangeError() throws {
        try requireModel()
        let r = try script(["ask --temperature -1 hi"], expect: 1)
        XCTAssertFalse(r.stdout.contains("missing value"), r.stdout)
        XCTAssertTrue(r.stdout.contains("error: temperature must be"), r.stdout)
        XCTAssertTrue(r.stdout.contains("got -1"), r.stdout)
    }

    // MARK: bug 18

    func testScriptErrorsNameTheFileAndLine() throws {
        try "get seed\n# a comment\nset learning-rate zero\nset seed 7\n".write(to: home.appendingPathComponent("bad.sft"), atomically: true, encoding: .utf8)
        let direct = try SFTBinary.run(["--no-model", "bad.sft"], home: home, cwd: home)
        XCTAssertEqual(direct.code, 1, direct.stdout)
        XCTAssertTrue(direct.stdout.contains("\nbad.sft:3: error: learning-rate must be a number"), direct.stdout)
        XCTAssertFalse(direct.stdout.contains("set seed 7"), "the script stops at its first error: " + direct.stdout)

        let inShell = try SFTBinary.run(["--no-model", "-c", "run bad.sft; get seed"], home: home, cwd: home)
        XCTAssertEqual(inShell.code, 1, inShell.stdout)
        XCTAssertTrue(inShell.stdout.contains("\nbad.sft:3: error: learning-rate must be a number"), inShell.stdout)
        XCTAssertTrue(inShell.stdout.contains("\nerror: bad.sft stopped at a failed command"), inShell.stdout)
        XCTAssertTrue(inShell.stdout.contains("--keep-going"), inShell.stdout)
    }

    func testRunKeepGoingReportsEveryErrorWithItsPlaceAndFailsAtTheEnd() throws {
        try "set epochs 0\nset seed 8\nnosuch\nget seed\n".write(to: home.appendingPathComponent("two.sft"), atomically: true, encoding: .utf8)
        let r = try SFTBinary.run(["--no-model", "-k", "-c", "run --keep-going two.sft", "-c", "get epochs"], home: home, cwd: home)
        XCTAssertEqual(r.code, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("two.sft:1: error: epochs must be in"), r.stdout)
        XCTAssertTrue(r.stdout.contains("two.sft:3: error: unknown command 'nosuch'"), r.stdout)
        XCTAssertTrue(r.stdout.contains("sft> get seed\nseed = 8"), "the rest still runs: " + r.stdout)
        XCTAssertTrue(r.stdout.contains("error: two.sft: 2 commands failed"), r.stdout)
    }

    // MARK: bug 7

    func testSaveRefusesToReplaceAnEntryUnlessForcedAndKeepsItsDescription() throws {
        try requireModel()
        let r = try script(["#!keep-going", "lora add --rank 4", "save e1 --description \"the first one\"", "save e1",
                            "save e1 --force", "repo show e1"], expect: 1)
        XCTAssertTrue(r.stdout.contains("saved adapter 'e1'"), r.stdout)
        XCTAssertTrue(r.stdout.contains("error: the repository already has an entry 'e1'"), r.stdout)
        XCTAssertTrue(r.stdout.contains("hint: `save e1 --force` replaces it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("replaced adapter 'e1'"), r.stdout)
        XCTAssertTrue(r.stdout.contains("kept its description"), r.stdout)
        let show = r.stdout.components(separatedBy: "sft> repo show e1").last ?? ""
        XCTAssertTrue(show.contains("the first one"), show)
    }

    // MARK: bug 6

    func testUnsavedRunIsNotDroppedByModelLoadOrLoraDropUntilForcedOrSaved() throws {
        try requireModel()
        let r = try script(quick + ["#!keep-going", "train 1", "model load default", "lora drop", "save run1", "train 1",
                                    "model load default --force", "status"], expect: 1)
        XCTAssertTrue(r.stdout.contains("error: the LoRA run at step 1 is not saved, and `model load default` would drop it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("hint: `save NAME` keeps it (or `session save NAME`); `model load default --force` drops it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("error: the LoRA run at step 1 is not saved, and `lora drop` would drop it"), r.stdout)
        XCTAssertTrue(r.stdout.contains("saved adapter 'run1'"), r.stdout)
        XCTAssertTrue(r.stdout.contains("dropped the LoRA adapters and the LoRA run at step 2"), r.stdout)
        let status = r.stdout.components(separatedBy: "sft> status").last ?? ""
        XCTAssertNotNil(status.range(of: #"adapters\s+none"#, options: .regularExpression), status)
    }

    func testSavedRunDropsWithoutAsking() throws {
        try requireModel()
        let r = try script(quick + ["train 1", "save run2", "lora drop"])
        XCTAssertTrue(r.stdout.contains("LoRA adapters dropped, with their training run"), r.stdout)
    }

    func testQuitInAScriptWarnsAboutAnUnsavedRunAndLeaves() throws {
        try requireModel()
        let r = try script(quick + ["train 1", "quit", "get seed"])
        XCTAssertTrue(r.stdout.contains("sft> quit\nwarning: the LoRA run at step 1 is not saved; `save NAME` keeps it"), r.stdout)
        XCTAssertFalse(r.stdout.contains("sft> get seed"), "a script has nobody to answer: quit leaves: " + r.stdout)
    }

    // MARK: bug 8

    func testNotebookRecordsWhatAStoppedTrainRanAndReplaysIt() throws {
        try requireModel()
        let r = try script(quick + ["set epochs 50", "train --for 4s", "clear", "session save nb"])
        let at = r.stdout.range(of: #"time is up after step (\d+)"#, options: .regularExpression).map { String(r.stdout[$0]) }
        let steps = at.flatMap { $0.split(separator: " ").last.map(String.init) } ?? "?"
        let file = home.appendingPathComponent("sessions/nb.sft")
        XCTAssertTrue(r.stdout.contains("saved 5 commands to \(file.path)"), r.stdout)
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.contains("# `train --for 4s` was stopped part-way (time limit); what ran:\n#!unchecked\ntrain \(steps)\n"), text)
        XCTAssertFalse(text.contains("\nclear\n"), "clear does not belong in a notebook: " + text)
        let replay = try SFTBinary.run(["--check", file.path], home: home, timeout: 300, cwd: SFTBinary.packageRoot)
        XCTAssertEqual(replay.code, 0, replay.stdout + replay.stderr)
        XCTAssertTrue(replay.stdout.contains("sft> train \(steps)\n"), replay.stdout)
        XCTAssertFalse(replay.stdout.contains("warning:"), replay.stdout)
    }

    func testReplayWhoseOutputDiffersSaysSoAndCheckFails() throws {
        let nb = home.appendingPathComponent("edited.sft")
        try """
            # sft notebook: replay with `sft FILE.sft`; lines starting with # are the outputs when saved.

            set epochs 3
            # epochs = 4

            set seed 42
            # seed = 42

            """.write(to: nb, atomically: true, encoding: .utf8)
        let plain = try SFTBinary.run(["--no-model", nb.path], home: home, cwd: home)
        XCTAssertEqual(plain.code, 0, plain.stdout)
        XCTAssertTrue(plain.stdout.contains("edited.sft:4: warning: `set epochs 3` printed other output than the notebook recorded\n"
                                            + "  recorded: epochs = 4\n  now:      epochs = 3"), plain.stdout)
        XCTAssertTrue(plain.stdout.contains("warning: 1 command printed other output than the notebook recorded (`sft --check FILE` fails on this)"), plain.stdout)
        let checked = try SFTBinary.run(["--no-model", "--check", nb.path], home: home, cwd: home)
        XCTAssertEqual(checked.code, 1, checked.stdout)

        try String(contentsOf: nb, encoding: .utf8).replacingOccurrences(of: "epochs = 4", with: "epochs = 3")
            .write(to: nb, atomically: true, encoding: .utf8)
        let same = try SFTBinary.run(["--no-model", "--check", nb.path], home: home, cwd: home)
        XCTAssertEqual(same.code, 0, same.stdout)
        XCTAssertFalse(same.stdout.contains("warning"), same.stdout)
    }

    // MARK: rough edges

    func testStepsPastThePlannedScheduleAreNotCountedAsAFraction() throws {
        // 24 chats in batches of 12: the schedule plans 2 steps; a third runs past it
        let r = try script(["set batch-size 12", "set max-seq-len 64", "data load sessions/data/identity.jsonl", "lora add", "train 3"])
        XCTAssertTrue(r.stdout.contains("step 2/2  loss"), r.stdout)
        XCTAssertTrue(r.stdout.contains("step 3 (plan 2)  loss"), r.stdout)
        XCTAssertFalse(r.stdout.contains("step 3/2"), r.stdout)
    }

    func testHistoryTakesACountLikeLast() throws {
        let r = try SFTBinary.run(["--no-model", "-c", "set seed 1; set seed 2; set seed 3; history 2; history --last 1"], home: home)
        XCTAssertEqual(r.code, 0, r.stdout)
        let first = r.stdout.components(separatedBy: "sft> history 2\n").last?.components(separatedBy: "sft> history --last 1").first ?? ""
        XCTAssertTrue(first.contains("set seed 2") && first.contains("set seed 3"), first)
        XCTAssertFalse(first.contains("set seed 1"), first)
    }

    func testSessionSavePrintsTheRealPathsAndLeavesOutClear() throws {
        let r = try SFTBinary.run(["--no-model", "-c", "set seed 3; clear; session save s"], home: home)
        XCTAssertEqual(r.code, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("saved 1 command to \(home.path)/sessions/s.sft"), r.stdout)
        XCTAssertTrue(r.stdout.contains("saved the state to \(home.path)/sessions/s.state"), r.stdout)
        let text = try String(contentsOf: home.appendingPathComponent("sessions/s.sft"), encoding: .utf8)
        XCTAssertFalse(text.contains("clear"), text)
    }

    func testHelpLeavesOutWaitAndStatusKeepsLibrariesForAll() throws {
        let r = try SFTBinary.run(["--no-model", "-c", "help; help wait; status"], home: home)
        XCTAssertEqual(r.code, 0, r.stdout)
        let list = r.stdout.components(separatedBy: "sft> help wait").first ?? ""
        XCTAssertFalse(list.contains("  wait "), list)
        XCTAssertTrue(r.stdout.contains("Wait SECONDS with a progress bar"), "help wait still describes it: " + r.stdout)
        XCTAssertFalse(r.stderr.contains("OpenBLAS"), r.stderr)
        let all = try SFTBinary.run(["--no-model", "-c", "status --all"], home: home)
        XCTAssertTrue(all.stderr.contains("OpenBLAS"), all.stderr)
    }

    func testChatListsItsCommandsAndSystemAloneShowsThePrompt() throws {
        try requireModel()
        let r = try script(["chat --system \"Be brief.\"", "/help", "/system", "/system --clear", "/system", "/nope", "/exit", "get seed"])
        XCTAssertTrue(r.stdout.contains("/help lists chat commands, /exit leaves"), r.stdout)
        XCTAssertTrue(r.stdout.contains("/system --clear"), r.stdout)
        XCTAssertTrue(r.stdout.contains("you> /system\n(system prompt: Be brief.)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("you> /system --clear\n(system prompt removed; conversation cleared)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("you> /system\n(no system prompt; /system TEXT sets one)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(unknown chat command /nope"), r.stdout)
        XCTAssertTrue(r.stdout.contains("sft> get seed\nseed = 42"), r.stdout)
    }

    func testLearningRateFarFromThePresetsRangeWarns() throws {
        try requireModel()
        let r = try script(quick + ["set learning-rate 1e-6", "train 1"])
        XCTAssertTrue(r.stdout.contains("warning: learning-rate 1.0e-06 is far below what the presets use for LoRA (1e-04 to 3e-04)"), r.stdout)
    }

    func testChangingTheRunsDatasetSaysTheRunKeepsItsCopy() throws {
        try requireModel()
        let r = try script(quick + ["train 1", "data system identity \"Be brief.\"", "train 1"])
        XCTAssertTrue(r.stdout.contains("note: the training run keeps the copy of 'identity' it took when it started; `train --restart` uses the changed data"), r.stdout)
        XCTAssertTrue(r.stdout.contains("continuing on 'identity' at step 2"), r.stdout)
    }

    func testDefaultTrainingSetIsTheRunsThenASplit() throws {
        try requireModel()
        let r = try script(quick + ["train 1", "data split identity --valid 0.2", "preset auto", "train 1"])
        XCTAssertTrue(r.stdout.contains("LoRA on 'identity':"), r.stdout)
        XCTAssertTrue(r.stdout.contains("'identity' has "), "preset auto takes the run's dataset, not the new split: " + r.stdout)
        XCTAssertTrue(r.stdout.contains("continuing on 'identity' at step 2"), r.stdout)
    }
}
