// `serve` through the real binary and real clients on loopback (ports chosen free at run time with --port 0):
// the `openai` Python package (installed into a private venv under .build/ by the first test that needs it)
// gets exactly `ask --temperature 0`'s text, whole and streamed; /v1/models and /tokenize against the shell's
// own `tokens --ids`; curl for every error case and the API key; 8 concurrent clients.
import Foundation
import XCTest

final class ServeTests: XCTestCase {
    static let system = "You are a concise assistant."
    static let question = "What is the capital of France? Answer in one sentence."

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: TrainShellTests.modelPath) else {
            XCTFail("default model missing at \(TrainShellTests.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
            throw XCTSkip("no model")
        }
        setenv("SFT_MODEL", TrainShellTests.modelPath, 1)
        guard Curl.available else { XCTFail("curl is missing: scripts/install-deps installs it"); throw XCTSkip("no curl") }
    }

    // MARK: the openai client

    /// A venv with the `openai` package, made once under .build/ (pip from PyPI); nil with the reason when
    /// it cannot be made here.
    static let openaiPython: Result<String, Error> = {
        let venv = SFTBinary.packageRoot.appendingPathComponent(".build/openai-venv")
        let python = venv.appendingPathComponent("bin/python").path
        func run(_ exe: String, _ args: [String]) -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [exe] + args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            do { try p.run() } catch { return (-1, "\(error)") }
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: out, as: UTF8.self))
        }
        if run(python, ["-c", "import openai"]).0 == 0 { return .success(python) }
        let made = run("python3", ["-m", "venv", venv.path])
        guard made.0 == 0 else { return .failure(XCTSkip("cannot make a venv with python3 -m venv (apt package python3-venv): \(made.1.suffix(300))")) }
        let pip = run(python, ["-m", "pip", "install", "-q", "--disable-pip-version-check", "openai>=1.40,<3"])
        guard pip.0 == 0, run(python, ["-c", "import openai"]).0 == 0 else {
            return .failure(XCTSkip("cannot pip install openai into \(venv.path) (no PyPI here?): \(pip.1.suffix(300))"))
        }
        return .success(python)
    }()

    func testOpenAIClientGetsWhatAskAnswers() throws {
        let python = try Self.openaiPython.get()
        // The shell's own answer and token ids for the same inputs.
        let askLine = "ask --temperature 0 --max-tokens 40 --system \"\(Self.system)\" \(Self.question)"
        let tokensLine = "tokens --ids 你好, world! Fine-tuning on CPU."
        let shell = try SFTBinary.run(["-c", askLine + "; " + tokensLine], timeout: 300)
        XCTAssertEqual(shell.code, 0, shell.stdout + shell.stderr)
        let expected = try XCTUnwrap(askAnswer(shell.stdout, after: askLine), shell.stdout)
        XCTAssertFalse(expected.isEmpty)
        let ids = try XCTUnwrap(shell.stdout.split(separator: "\n").first { $0.hasPrefix("ids: ") }).dropFirst(5)
            .split(separator: " ").map { Int($0)! }

        let server = try LiveSFT(["serve", "--port", "0", "--api-key", "sk-test"])
        let port = try server.awaitServing()
        let script = """
            import json, sys, urllib.request
            from openai import OpenAI
            c = OpenAI(base_url="http://127.0.0.1:\(port)/v1", api_key="sk-test", max_retries=0)
            msgs = [{"role": "system", "content": \(Self.pyString(Self.system))}, {"role": "user", "content": \(Self.pyString(Self.question))}]
            whole = c.chat.completions.create(model="SmolLM2-135M-Instruct.Q4_1", messages=msgs, temperature=0, max_tokens=40)
            parts, finish = [], None
            for ch in c.chat.completions.create(model="SmolLM2-135M-Instruct.Q4_1", messages=msgs, temperature=0, max_tokens=40, stream=True):
                if ch.choices and ch.choices[0].delta.content: parts.append(ch.choices[0].delta.content)
                if ch.choices and ch.choices[0].finish_reason: finish = ch.choices[0].finish_reason
            models = [m.id for m in c.models.list().data]
            req = urllib.request.Request("http://127.0.0.1:\(port)/tokenize", data=json.dumps({"prompt": "你好, world! Fine-tuning on CPU."}).encode(),
                                         headers={"Authorization": "Bearer sk-test", "Content-Type": "application/json"})
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            tok = json.load(opener.open(req))
            json.dump({"whole": whole.choices[0].message.content, "whole_finish": whole.choices[0].finish_reason,
                       "usage": [whole.usage.prompt_tokens, whole.usage.completion_tokens],
                       "stream": "".join(parts), "stream_finish": finish, "models": models, "tokens": tok["tokens"]}, sys.stdout)
            """
        let r = try Self.runPython(python, script)
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr + server.stderr)
        let j = try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any], r.stdout + r.stderr)
        XCTAssertEqual(j["whole"] as? String, expected, "non-streamed chat completion at temperature 0 = ask --temperature 0")
        XCTAssertEqual(j["stream"] as? String, expected, "streamed chat completion at temperature 0 = ask --temperature 0")
        XCTAssertEqual(j["whole_finish"] as? String, j["stream_finish"] as? String)
        XCTAssertTrue(["stop", "length"].contains(j["whole_finish"] as? String ?? ""))
        let usage = try XCTUnwrap(j["usage"] as? [Int])
        XCTAssertGreaterThan(usage[0], 10)
        XCTAssertGreaterThan(usage[1], 0)
        XCTAssertEqual(j["models"] as? [String], ["SmolLM2-135M-Instruct.Q4_1"], "/v1/models lists the live model")
        XCTAssertEqual(j["tokens"] as? [Int], ids, "/tokenize = tokens --ids")
    }

    // MARK: errors, with curl

    func testErrorsAPIKeyAndQueueWithCurl() throws {
        let server = try LiveSFT(["serve", "--port", "0", "--api-key", "sk-test", "--max-queue", "0"])
        _ = try server.awaitServing()
        let chat = server.base + "/v1/chat/completions", auth = ["Authorization: Bearer sk-test"]
        func check(_ r: Curl.Reply, _ status: Int, _ code: String?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(r.status, status, "\(what): \(r.body)", file: file, line: line)
            XCTAssertNotNil(r.errorMessage, "\(what): OpenAI-style error body: \(r.body)", file: file, line: line)
            if let code { XCTAssertEqual(r.errorCode, code, "\(what): \(r.body)", file: file, line: line) }
        }
        check(try Curl.request(chat, body: chatBody("hi")), 401, "invalid_api_key", "no key")
        check(try Curl.request(chat, body: chatBody("hi"), headers: ["Authorization: Bearer wrong"]), 401, "invalid_api_key", "wrong key")
        check(try Curl.request(server.base + "/v1/models", method: "GET"), 401, "invalid_api_key", "no key on GET")
        check(try Curl.request(chat, body: #"{"messages": [{"role": "user", "content": "hi"}"#, headers: auth), 400, "invalid_json", "malformed JSON")
        check(try Curl.request(chat, body: #"["not", "an", "object"]"#, headers: auth), 400, "invalid_json", "not an object")
        let big = #"{"messages":[{"role":"user","content":""# + String(repeating: "a", count: (1 << 20) + 10) + #""}]}"#
        check(try Curl.request(chat, body: big, headers: auth), 413, "request_too_large", "body over 1 MB")
        check(try Curl.request(chat, body: chatBody("hi", extra: #","model":"gpt-4o""#), headers: auth), 404, "model_not_found", "unknown model")
        check(try Curl.request(chat, body: chatBody("hi", extra: #","model":"ckpt:3""#), headers: auth), 404, "model_not_found", "no such checkpoint")
        let long = String(repeating: "hello world ", count: 5000)      // ~10k tokens, context 8192
        check(try Curl.request(chat, body: chatBody(long), headers: auth), 400, "context_length_exceeded", "prompt over the context")
        check(try Curl.request(chat, body: chatBody("hi", maxTokens: 9000), headers: auth), 400, "context_length_exceeded", "max_tokens over the context")
        check(try Curl.request(chat, body: #"{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#, headers: auth),
              400, "unsupported_content_type", "unknown content part type")
        check(try Curl.request(chat, body: #"{"messages":[{"role":"user","content":"hi"}],"temperature":"hot"}"#, headers: auth),
              400, "invalid_type", "temperature of the wrong type")
        check(try Curl.request(chat, body: #"{"messages":"hello"}"#, headers: auth), 400, "invalid_type", "messages of the wrong type")
        check(try Curl.request(chat, body: #"{"messages":[{"role":"wizard","content":"hi"}]}"#, headers: auth), 400, "invalid_value", "unknown role")
        check(try Curl.request(chat, body: #"{"messages":[{"role":"user","content":"hi"}],"top_p":0}"#, headers: auth), 400, "invalid_value", "top_p out of range")
        check(try Curl.request(server.base + "/v1/embeddings", body: "{}", headers: auth), 404, "unknown_url", "unknown endpoint")
        check(try Curl.request(server.base + "/detokenize", body: #"{"tokens":[1, 99999999]}"#, headers: auth), 400, "invalid_value", "token id outside the vocabulary")

        // The right key works; detokenize inverts tokenize.
        let tok = try Curl.request(server.base + "/tokenize", body: #"{"prompt":"Fine-tuning on CPU."}"#, headers: auth)
        XCTAssertEqual(tok.status, 200, tok.body)
        let ids = try XCTUnwrap(tok.json?["tokens"] as? [Int])
        let detok = try Curl.request(server.base + "/detokenize", body: #"{"tokens":\#(ids)}"#, headers: auth)
        XCTAssertEqual(detok.json?["prompt"] as? String, "Fine-tuning on CPU.")

        // Stop strings end the answer before them (finish_reason stop); a seed makes sampling repeatable.
        let stopped = try Curl.request(chat, body: chatBody("What is the capital of France?", maxTokens: 30, extra: #","stop":[" Paris"]"#), headers: auth)
        let stoppedChoice = (stopped.json?["choices"] as? [[String: Any]])?.first
        XCTAssertEqual((stoppedChoice?["message"] as? [String: Any])?["content"] as? String, "The capital of France is", stopped.body)
        XCTAssertEqual(stoppedChoice?["finish_reason"] as? String, "stop")
        let seeded = #"{"messages":[{"role":"user","content":"Tell me a fun fact."}],"temperature":1.0,"max_tokens":12,"seed":7}"#
        let s1 = try Curl.request(chat, body: seeded, headers: auth), s2 = try Curl.request(chat, body: seeded, headers: auth)
        XCTAssertEqual(s1.status, 200, s1.body)
        XCTAssertEqual((s1.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: String],
                       (s2.json?["choices"] as? [[String: Any]])?.first?["message"] as? [String: String], "same seed, same answer")

        // --max-queue 0: while one request runs, the next gets 503 with Retry-After; the first still completes.
        let long1 = Curl.start(chat, body: chatBody("Write a long story about a lighthouse keeper.", maxTokens: 200, stream: true), headers: auth)
        let deadline = Date().addingTimeInterval(120)
        while !long1.partial.contains("\"content\":\"") && Date() < deadline { usleep(20_000) }
        let busy = try Curl.request(chat, body: chatBody("hi"), headers: auth)
        check(busy, 503, "queue_full", "queue full")
        XCTAssertTrue(busy.headers.lowercased().contains("retry-after: "), busy.headers)
        let first = joinChatStream(try long1.wait().body)
        XCTAssertTrue(first.done && first.finish != nil && !first.text.isEmpty, "the running request completes: \(first)")
        XCTAssertEqual(server.finish(), 0)
    }

    // MARK: 8 concurrent clients

    func testEightConcurrentClientsGetCompleteCorrectAnswers() throws {
        let server = try LiveSFT(["serve", "--port", "0"])
        _ = try server.awaitServing()
        let chat = server.base + "/v1/chat/completions"
        let prompts = ["What is 2 + 2?", "Name a color of the sky.", "Say hello in French.", "What is the largest planet?"]
        // One at a time first: the reference answers.
        var expected: [String] = []
        for p in prompts {
            let r = try Curl.request(chat, body: chatBody(p, maxTokens: 20))
            XCTAssertEqual(r.status, 200, r.body)
            let choice = try XCTUnwrap((r.json?["choices"] as? [[String: Any]])?.first)
            expected.append(try XCTUnwrap((choice["message"] as? [String: Any])?["content"] as? String))
        }
        // Then 8 at once (each prompt twice, half of them streamed).
        let running = (0..<8).map { i in Curl.start(chat, body: chatBody(prompts[i % 4], maxTokens: 20, stream: i >= 4)) }
        for (i, c) in running.enumerated() {
            let r = try c.wait()
            XCTAssertEqual(r.status, 200, "client \(i): \(r.body)")
            if i >= 4 {
                let s = joinChatStream(r.body)
                XCTAssertTrue(s.done, "client \(i): stream ends with [DONE]")
                XCTAssertEqual(s.text, expected[i % 4], "client \(i) (streamed)")
            } else {
                let choice = (r.json?["choices"] as? [[String: Any]])?.first
                XCTAssertEqual((choice?["message"] as? [String: Any])?["content"] as? String, expected[i % 4], "client \(i)")
            }
        }
        XCTAssertEqual(server.finish(), 0)
    }

    // MARK: helpers

    static func pyString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s]), as: UTF8.self).dropFirst().dropLast().description
    }

    static func runPython(_ python: String, _ script: String) throws -> SFTBinary.Result {
        let dir = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("client.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [file.path]
        var env = ProcessInfo.processInfo.environment
        env["NO_PROXY"] = "127.0.0.1,localhost"
        env["no_proxy"] = "127.0.0.1,localhost"
        p.environment = env
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return SFTBinary.Result(stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8),
                                code: p.terminationStatus)
    }
}
