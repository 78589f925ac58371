// Test support: the real `sft` in a tmux pane (a real pseudo-terminal), on a private tmux socket so tests never
// touch anyone's tmux. Keys go in with send-keys, the screen comes back with capture-pane; every wait polls
// with a timeout instead of sleeping a fixed time.
import Foundation
import XCTest

final class TmuxTerminal {
    let socket = "sft-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    let home: URL

    init(home: URL, columns: Int = 110, rows: Int = 40) throws {
        let exe = try SFTBinary.require()
        self.home = home
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            XCTFail("tmux is missing: `make test` installs it (apt package tmux)")
            throw XCTSkip("no tmux")
        }
        let command = "env SFT_HOME='\(home.path)' NO_COLOR=1 LANG=C.UTF-8 '\(exe)'"
        // Not through `tmux(_:)`: the server it starts would hold the output pipe open forever.
        spawn(["-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "\(columns)", "-y", "\(rows)", command])
        XCTAssertTrue(waitFor { $0.contains("sft>") }, "no prompt:\n" + screen())   // capture-pane trims the trailing space
    }

    /// Keys by tmux name (`Enter`, `Tab`, `C-c`, `C-d`, `Up`).
    func keys(_ names: String...) { spawn(["send-keys", "-t", "t"] + names) }

    /// Literal text.
    func type(_ text: String) { spawn(["send-keys", "-t", "t", "-l", "--", text]) }

    /// Waits until the last line is an empty prompt: the line editor owns the terminal, so control keys
    /// (Ctrl-D, Ctrl-C) reach it instead of the tty's cooked-mode line discipline.
    @discardableResult
    func awaitPrompt(timeout: Double = 10) -> Bool {
        waitFor(timeout: timeout) { _ in self.lastLine() == "sft>" }
    }

    func screen() -> String { tmux(["capture-pane", "-p", "-t", "t"]) }

    /// The last non-blank line on screen (where the cursor line usually is).
    func lastLine() -> String {
        screen().split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init) ?? ""
    }

    var alive: Bool {
        spawn(["has-session", "-t", "t"]) == 0
    }

    /// Polls the screen every 20 ms until the condition holds; false after the timeout.
    @discardableResult
    func waitFor(timeout: Double = 10, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(screen()) { return true }
            usleep(20_000)
        }
        return false
    }

    func waitForExit(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline { if !alive { return true }; usleep(20_000) }
        return false
    }

    func close() { spawn(["kill-server"]) }

    /// Runs tmux and returns its stdout. posix_spawn + waitpid rather than Foundation's Process, which on Linux
    /// can miss the exit of a client whose daemonised server keeps running.
    @discardableResult
    private func tmux(_ args: [String]) -> String {
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-out-\(UUID().uuidString)")
        defer { unlink(outFile.path) }
        spawn(args, stdoutPath: outFile.path)
        return (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
    }

    /// Runs tmux with stdout to a file (or /dev/null); returns the exit status.
    @discardableResult
    private func spawn(_ args: [String], stdoutPath: String = "/dev/null") -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/usr/bin/tmux", "-L", socket] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}
