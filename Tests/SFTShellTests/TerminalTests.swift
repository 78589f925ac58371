// The real binary on a pseudo-terminal (tmux): line editing, Tab completion of commands, subcommands, options,
// setting names and file paths, history kept across runs, Ctrl-C at the prompt and during `wait 30` (the shell
// lives on and the next command works), Ctrl-D exit.
import Foundation
import XCTest

final class TerminalTests: XCTestCase {
    var home: URL!
    var term: TmuxTerminal!

    override func setUpWithError() throws {
        home = SFTBinary.tempHome()
        term = try TmuxTerminal(home: home)
    }

    override func tearDown() {
        term?.close()
        if let home { try? FileManager.default.removeItem(at: home) }
    }

    func testTabCompletesCommandsSubcommandsOptionsAndSettings() {
        term.awaitPrompt()
        term.type("stat"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine().hasPrefix("sft> status") }, term.screen())
        term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("checkpoints") }, term.screen())
        term.awaitPrompt()

        term.type("session sa"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft> session save" }, term.screen())
        term.type("--fo"); term.keys("Tab")      // the completed word already ends in a space
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft> session save --force" }, term.screen())
        term.keys("C-u")
        term.awaitPrompt()
        term.type("set learning-r"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft> set learning-rate" }, term.screen())
        term.type(" 0.5"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("learning-rate = 0.5") }, term.screen())
    }

    func testTabCompletesFilePaths() throws {
        let dir = home.appendingPathComponent("scripts-dir")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "get seed\n".write(to: dir.appendingPathComponent("unique-notebook.sft"), atomically: true, encoding: .utf8)
        term.awaitPrompt()
        term.type("run \(dir.path)/uniq"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { $0.contains("unique-notebook.sft") }, term.screen())
        term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("seed = 42") }, term.screen())
    }

    func testCtrlCAtPromptClearsTheLine() {
        term.awaitPrompt()
        term.type("half typed line"); term.keys("C-c")
        XCTAssertTrue(term.waitFor { _ in self.term.lastLine() == "sft>" }, term.screen())
        term.type("get epochs"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("epochs = 1") }, term.screen())
        XCTAssertFalse(term.screen().contains("unknown command 'half"), term.screen())
        XCTAssertTrue(term.alive)
    }

    func testCtrlCStopsALongCommandAndTheSessionLivesOn() {
        term.type("set epochs 5"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("epochs = 5") })
        let start = Date()
        term.type("wait 30"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("wait [") }, "no progress bar:\n" + term.screen())
        term.keys("C-c")
        XCTAssertTrue(term.waitFor { $0.contains("stopped after") }, term.screen())
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        term.awaitPrompt()
        term.type("get epochs"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("epochs = 5\n") }, "session lost:\n" + term.screen())
        XCTAssertTrue(term.alive)
    }

    func testHistoryPersistsAcrossRunsAndCtrlDExits() throws {
        term.type("set top-k 12"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("top-k = 12") })
        term.awaitPrompt()
        term.keys("C-d")
        XCTAssertTrue(term.waitForExit(), "Ctrl-D did not exit:\n" + term.screen())
        let history = try String(contentsOf: home.appendingPathComponent("history"), encoding: .utf8)
        XCTAssertTrue(history.contains("top-k"), history)

        let second = try TmuxTerminal(home: home)
        defer { second.close() }
        second.awaitPrompt()
        second.keys("Up")
        XCTAssertTrue(second.waitFor { _ in second.lastLine() == "sft> set top-k 12" }, second.screen())
        second.keys("Enter")
        XCTAssertTrue(second.waitFor { $0.contains("top-k = 12") }, second.screen())
        second.type("quit"); second.keys("Enter")
        XCTAssertTrue(second.waitForExit(), "quit did not exit")
    }

    func testWideTextIsEditedAndStored() {
        term.type("set system 你好，世界"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("system = 你好，世界") }, term.screen())
    }
}
