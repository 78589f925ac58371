// Test support for `serve`: the real `sft` running (the shell fed line by line through a pipe, or `sft serve`)
// with its output polled from files, the port it bound read from its `serving ... at http://127.0.0.1:PORT`
// line (tests pass --port 0, so the port is free at run time), and curl as the HTTP client.
import Foundation
import XCTest

final class LiveSFT {
    let process = Process()
    let input = Pipe()
    let dir = SFTBinary.tempHome()
    var outURL: URL { dir.appendingPathComponent("out") }
    var errURL: URL { dir.appendingPathComponent("err") }
    private(set) var port = 0

    /// Starts `sft ARGS` (the shell reading stdin when ARGS is empty).
    init(_ args: [String], environment: [String: String] = [:]) throws {
        let exe = try SFTBinary.require()
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SFT_HOME"] = dir.appendingPathComponent("home").path
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.currentDirectoryURL = SFTBinary.packageRoot
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Sends shell lines.
    func send(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    /// Polls stdout every 20 ms until `condition` holds; false after the timeout.
    @discardableResult
    func waitFor(timeout: Double = 120, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stdout) { return true }
            if !process.isRunning { return condition(stdout) }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the `serving ... at http://127.0.0.1:PORT/v1` line and remembers the port.
    func awaitServing(timeout: Double = 120) throws -> Int {
        var found = 0
        waitFor(timeout: timeout) { out in
            guard let r = out.range(of: #"at http://127\.0\.0\.1:(\d+)/v1"#, options: .regularExpression) else { return false }
            found = Int(out[r].split(separator: ":").last!.dropLast(3)) ?? 0
            return true
        }
        guard found > 0 else { throw XCTSkip("server did not start:\n\(stdout)\n\(stderr)") }
        port = found
        return found
    }

    /// Closes stdin (the shell ends; `sft serve` gets Ctrl-C) and waits for the exit code.
    func finish(timeout: Double = 120) -> Int32 {
        try? input.fileHandleForWriting.close()
        if process.arguments?.first == "serve" { process.interrupt() }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var base: String { "http://127.0.0.1:\(port)" }
}

/// curl, as a real separate HTTP client.
enum Curl {
    struct Reply {
        var status: Int
        var headers: String
        var body: String
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
        /// error.code / error.type of an OpenAI-style error body.
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
        var errorType: String? { (json?["error"] as? [String: Any])?["type"] as? String }
        var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
    }

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") }

    /// One request; `body` goes through a file (it may be over 1 MB).
    static func request(_ url: String, method: String = "POST", body: String? = nil, headers: [String] = [],
                        timeout: Double = 300) throws -> Reply {
        let p = start(url, method: method, body: body, headers: headers, timeout: timeout)
        return try p.wait()
    }

    final class Running {
        let process = Process()
        let dir = SFTBinary.tempHome()
        var bodyURL: URL { dir.appendingPathComponent("body") }
        var headURL: URL { dir.appendingPathComponent("head") }
        /// The body received so far (a stream grows).
        var partial: String { (try? String(contentsOf: bodyURL, encoding: .utf8)) ?? "" }
        var finishedAt: Date?

        func wait() throws -> Reply {
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(at: dir) }
            let head = (try? String(contentsOf: headURL, encoding: .utf8)) ?? ""
            let status = head.split(separator: "\n").last { $0.hasPrefix("HTTP/") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            return Reply(status: status, headers: head, body: partial)
        }
    }

    /// Starts curl in the background (streams land in `partial` as they arrive).
    static func start(_ url: String, method: String = "POST", body: String? = nil, headers: [String] = [],
                      timeout: Double = 300) -> Running {
        let r = Running()
        var args = ["-sS", "-N", "--noproxy", "*", "-X", method, "-m", String(Int(timeout)), "-D", r.headURL.path, "-o", r.bodyURL.path]
        for h in headers { args += ["-H", h] }
        if let body {
            let f = r.dir.appendingPathComponent("request.json")
            try? Data(body.utf8).write(to: f)
            args += ["-H", "Content-Type: application/json", "--data-binary", "@" + f.path]
        }
        r.process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        r.process.arguments = args + [url]
        FileManager.default.createFile(atPath: r.bodyURL.path, contents: nil)
        r.process.terminationHandler = { [weak r] _ in r?.finishedAt = Date() }
        try? r.process.run()
        return r
    }
}

/// The text of the SSE events of a chat stream joined, and its finish reason.
func joinChatStream(_ body: String) -> (text: String, finish: String?, done: Bool) {
    var text = "", finish: String?, done = false
    for line in body.split(separator: "\n") where line.hasPrefix("data: ") {
        let payload = line.dropFirst(6)
        if payload == "[DONE]" { done = true; continue }
        guard let o = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any],
              let choice = (o["choices"] as? [[String: Any]])?.first else { continue }
        if let d = choice["delta"] as? [String: Any], let c = d["content"] as? String { text += c }
        if let f = choice["finish_reason"] as? String { finish = f }
    }
    return (text, finish, done)
}

/// A chat request body.
func chatBody(_ user: String, system: String? = nil, maxTokens: Int = 24, stream: Bool = false, extra: String = "") -> String {
    func q(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: []), as: UTF8.self).dropFirst().dropLast().description
    }
    var messages: [String] = []
    if let system { messages.append(#"{"role":"system","content":\#(q(system))}"#) }
    messages.append(#"{"role":"user","content":\#(q(user))}"#)
    return #"{"messages":[\#(messages.joined(separator: ","))],"temperature":0,"max_tokens":\#(maxTokens),"stream":\#(stream)\#(extra)}"#
}

/// The answer `ask` printed after its echoed command line in a script run.
func askAnswer(_ stdout: String, after command: String) -> String? {
    let lines = stdout.components(separatedBy: "\n")
    guard let i = lines.firstIndex(of: "sft> " + command), i + 1 < lines.count else { return nil }
    var answer: [String] = []
    for l in lines[(i + 1)...] {
        if l.hasPrefix("sft> ") { break }
        answer.append(l)
    }
    while answer.last == "" { answer.removeLast() }
    return answer.joined(separator: "\n")
}
