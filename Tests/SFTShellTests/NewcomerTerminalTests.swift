// Issue 16 on a real terminal (tmux): `chat` stays interactive after `run FILE` (failed and successful), Ctrl-D
// in chat ends its line, chat recalls its own messages with the up arrow, Ctrl-D with an unsaved training run
// warns once and leaves on the next try, a Ctrl-C'd `train` is saved in the notebook as what ran, a Ctrl-C'd
// `ask` is marked stopped (not failed), and two shells on one $SFT_HOME both keep their history lines.
import Foundation
import XCTest

final class NewcomerTerminalTests: XCTestCase {
    var home: URL!
    var term: TmuxTerminal!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: TrainShellTests.modelPath) else {
            XCTFail("default model missing at \(TrainShellTests.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
            throw XCTSkip("no model")
        }
        setenv("SFT_MODEL", TrainShellTests.modelPath, 1)
        home = SFTBinary.tempHome()
        term = try TmuxTerminal(home: home)
        term.awaitPrompt()
    }

    override func tearDown() {
        term?.close()
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    private func run(_ line: String, until text: String, timeout: Double = 60) {
        term.type(line); term.keys("Enter")
        XCTAssertTrue(term.waitFor(timeout: timeout) { $0.contains(text) }, "no '\(text)' after `\(line)`:\n" + term.screen())
    }

    private var identity: String { SFTBinary.packageRoot.appendingPathComponent("sessions/data/identity.jsonl").path }

    /// The screen's last line is chat's prompt, waiting for a person.
    private func awaitChatPrompt() -> Bool { term.waitFor { _ in self.term.lastLine() == "you>" } }

    func testChatStaysInteractiveAfterAFailedAndASuccessfulRun() throws {
        try "set learning-rate zero\nget epochs\n".write(to: home.appendingPathComponent("bad.sft"), atomically: true, encoding: .utf8)
        try "get seed\n".write(to: home.appendingPathComponent("ok.sft"), atomically: true, encoding: .utf8)
        run("run \(home.path)/bad.sft", until: "stopped at a failed command")
        term.awaitPrompt()
        run("chat", until: "chatting with")
        XCTAssertTrue(awaitChatPrompt(), "chat did not wait for input after a failed run:\n" + term.screen())
        XCTAssertFalse(term.screen().contains("you> get epochs"), term.screen())
        term.type("/exit"); term.keys("Enter")
        term.awaitPrompt()
        run("run \(home.path)/ok.sft", until: "seed = 42")
        term.awaitPrompt()
        run("chat", until: "/help lists chat commands")
        XCTAssertTrue(awaitChatPrompt(), "chat returned at once after a successful run:\n" + term.screen())
        term.type("/exit"); term.keys("Enter")
        XCTAssertTrue(term.awaitPrompt(), term.screen())
    }

    func testTextTypedDuringTrainIsNotEchoedIntoItsLinesAndWaitsForThePrompt() {
        run("data load \(identity)", until: "loaded 24 of 24")
        run("lora add", until: "trainable parameters")
        run("set max-seq-len 64", until: "max-seq-len = 64")
        term.type("train 3"); term.keys("Enter")
        XCTAssertTrue(term.waitFor(timeout: 60) { $0.contains("LoRA on 'identity'") }, term.screen())
        term.type("zqzq")   // typed while training runs, no Enter
        XCTAssertTrue(term.waitFor(timeout: 120) { $0.contains("train: 3 steps") }, term.screen())
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft> zqzq" }, "typed-ahead text not at the prompt:\n" + term.screen())
        let lines = term.screen().split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.filter { $0.contains("zqzq") }.count, 1, "typed text echoed into train's lines:\n" + term.screen())
        term.keys("C-u")
    }

    func testAFIFOInPlaceOfTheHistoryFileDoesNotHangTheShell() throws {
        term.close()
        XCTAssertEqual(mkfifo(home.appendingPathComponent("history").path, 0o600), 0)
        term = try TmuxTerminal(home: home)
        XCTAssertTrue(term.awaitPrompt(), "no prompt with a FIFO as the history file:\n" + term.screen())
        run("get seed", until: "seed = 42")
        run("set seed 7", until: "seed = 7")   // the append after `get seed` must not block on the FIFO
        XCTAssertTrue(term.awaitPrompt(), term.screen())
    }

    func testTrainsStatusLineFitsEightyColumnsAndLeavesNothingBehind() throws {
        term.close()
        term = try TmuxTerminal(home: home, columns: 80)
        term.awaitPrompt()
        run("data load \(identity)", until: "loaded 24 of 24")
        run("lora add", until: "trainable parameters")
        run("set max-seq-len 64", until: "max-seq-len = 64")
        run("train 4", until: "train: 4 steps", timeout: 120)
        XCTAssertTrue(term.awaitPrompt(), term.screen())
        // the status line (progress bar, step, loss, rows, tok/s) was redrawn in place and cleared: no piece of it
        // is left between the step lines, however long it was
        XCTAssertFalse(term.screen().contains("train ["), term.screen())
    }

    func testCtrlDInChatEndsItsLineAndReturnsToTheShell() {
        run("chat", until: "chatting with")
        XCTAssertTrue(awaitChatPrompt(), term.screen())
        term.keys("C-d")
        XCTAssertTrue(term.awaitPrompt(), term.screen())
        XCTAssertFalse(term.screen().contains("you> sft>"), term.screen())
        XCTAssertFalse(term.screen().contains("you>sft>"), term.screen())
        XCTAssertTrue(term.alive)
    }

    func testChatUpArrowRecallsChatMessagesNotShellCommands() {
        run("set top-k 7", until: "top-k = 7")
        term.awaitPrompt()
        run("chat", until: "chatting with")
        XCTAssertTrue(awaitChatPrompt(), term.screen())
        run("/system Answer in one word.", until: "(system prompt set")
        XCTAssertTrue(awaitChatPrompt(), term.screen())
        term.keys("Up")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "you> /system Answer in one word." }, term.screen())
        term.keys("C-u")
        term.type("/exit"); term.keys("Enter")
        term.awaitPrompt()
        term.keys("Up")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft> chat" }, "the shell's history has no chat lines:\n" + term.screen())
    }

    func testCtrlDWithAnUnsavedRunWarnsOnceThenLeaves() {
        run("set batch-size 2; set max-seq-len 64; data load \(identity)", until: "loaded 24 of 24")
        term.awaitPrompt()
        run("train 1", until: "step 1/", timeout: 120)
        term.awaitPrompt(timeout: 60)
        term.keys("C-d")
        XCTAssertTrue(term.waitFor { $0.contains("warning: the LoRA run at step 1 is not saved; `save NAME` keeps it") }, term.screen())
        XCTAssertTrue(term.awaitPrompt(), term.screen())
        XCTAssertTrue(term.alive, "the first Ctrl-D only warns")
        term.type("quit"); term.keys("Enter")
        XCTAssertTrue(term.waitForExit(), "the second try (quit) leaves:\n" + term.screen())
    }

    func testCtrlCTrainIsSavedInTheNotebookAsWhatRan() throws {
        run("set batch-size 2; set max-seq-len 64; set epochs 50; data load \(identity)", until: "loaded 24 of 24")
        term.awaitPrompt()
        term.type("train 300"); term.keys("Enter")
        XCTAssertTrue(term.waitFor(timeout: 120) { $0.contains("step 2/") }, term.screen())
        term.keys("C-c")
        XCTAssertTrue(term.waitFor(timeout: 60) { $0.contains("stopped by Ctrl-C after step") }, term.screen())
        term.awaitPrompt()
        let screen = term.screen()
        let stopped = screen.range(of: #"stopped by Ctrl-C after step (\d+)"#, options: .regularExpression).map { String(screen[$0]) } ?? ""
        let steps = stopped.split(separator: " ").last.map(String.init) ?? "?"
        run("session save nb", until: "saved the state")
        let text = try String(contentsOf: home.appendingPathComponent("sessions/nb.sft"), encoding: .utf8)
        XCTAssertTrue(text.contains("# `train 300` was stopped part-way (Ctrl-C); what ran:\n#!unchecked\ntrain \(steps)\n"), text)
        run("history", until: "(stopped)")
        XCTAssertFalse(term.screen().contains("(failed)"), "a stopped train is not a failure:\n" + term.screen())
    }

    func testCtrlCAskIsMarkedStoppedNotFailed() {
        term.type("ask --max-tokens 400 --temperature 1 Write a long story about a lighthouse keeper."); term.keys("Enter")
        usleep(1_500_000)
        term.keys("C-c")
        XCTAssertTrue(term.awaitPrompt(timeout: 60), term.screen())
        run("history", until: "(stopped)")
        XCTAssertFalse(term.screen().contains("(failed)"), term.screen())
    }

    func testTwoShellsOnOneHomeBothKeepTheirHistory() throws {
        let second = try TmuxTerminal(home: home)
        defer { second.close() }
        second.awaitPrompt()
        run("set top-k 11", until: "top-k = 11")
        second.type("set top-k 22"); second.keys("Enter")
        XCTAssertTrue(second.waitFor { $0.contains("top-k = 22") }, second.screen())
        term.awaitPrompt()
        term.type("quit"); term.keys("Enter")
        XCTAssertTrue(term.waitForExit())
        second.awaitPrompt()
        second.type("quit"); second.keys("Enter")
        XCTAssertTrue(second.waitForExit())
        let history = try String(contentsOf: home.appendingPathComponent("history"), encoding: .utf8)
        XCTAssertTrue(history.contains("set top-k 11\n"), history)
        XCTAssertTrue(history.contains("set top-k 22\n"), history)
    }
}
