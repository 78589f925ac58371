// `serve` inside the shell while it trains: a request answered, then `train 2` typed while a client streams.
// The stream that started first completes from one set of weights (exactly the answer before training, and
// the first step line comes after it ends); a request during training is answered between steps; the server
// then follows the session (checkpoints listed and selectable as ckpt:N, `lora off` answers as the base model
// did); `serve stop` ends it and the prompt keeps working.
import Foundation
import XCTest

final class ServeShellTests: XCTestCase {
    func testServeAnswersBetweenTrainingStepsFromOneSetOfWeights() throws {
        guard FileManager.default.fileExists(atPath: TrainShellTests.modelPath) else {
            return XCTFail("default model missing at \(TrainShellTests.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
        }
        guard Curl.available else { return XCTFail("curl is missing: scripts/install-deps installs it") }
        let sft = try LiveSFT([], environment: ["SFT_MODEL": TrainShellTests.modelPath])
        let data = SFTBinary.packageRoot.appendingPathComponent("sessions/data/identity.jsonl").path
        for line in ["set batch-size 2", "set max-seq-len 128", "set save-steps 1", "set learning-rate 1e-3",
                     "lora add --rank 8", "serve --port 0"] { sft.send(line) }
        let port = try sft.awaitServing()
        let chat = "http://127.0.0.1:\(port)/v1/chat/completions"
        let question = chatBody("Who are you? Tell me about yourself in detail.", maxTokens: 60, stream: true)

        // A request answered (the adapter is fresh: B = 0, so this is the base model's answer).
        let before = joinChatStream(try Curl.request(chat, body: question).body)
        XCTAssertTrue(before.done && !before.text.isEmpty, "\(before)")

        // A client streams; `train 2` is typed once its first words arrived.
        let streaming = Curl.start(chat, body: question)
        let deadline = Date().addingTimeInterval(120)
        while !streaming.partial.contains("\"content\":\"") && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(streaming.process.isRunning, "the stream should still be running when train starts (60 tokens)")
        sft.send("train 2 --data \(data)")
        // A request during training: it waits for the step in progress and is answered between steps.
        XCTAssertTrue(sft.waitFor { $0.contains("step 1/") }, sft.stdout + sft.stderr)
        let stepOneSeen = Date()
        let during = Curl.start(chat, body: chatBody("Say hi.", maxTokens: 8))
        XCTAssertTrue(sft.waitFor { $0.contains("step 2/") }, sft.stdout + sft.stderr)

        let streamed = joinChatStream(try streaming.wait().body)
        XCTAssertTrue(streamed.done, "the stream ends with [DONE]: \(streaming.partial)")
        XCTAssertEqual(streamed.text, before.text, "the answer streamed across `train` comes from the weights before it, whole")
        XCTAssertNotNil(streaming.finishedAt)
        XCTAssertLessThanOrEqual(streaming.finishedAt ?? .distantFuture, stepOneSeen, "training waited for the request in progress")
        let mid = try during.wait()
        XCTAssertEqual(mid.status, 200, mid.body)

        // The server follows the session: checkpoints as ckpt:N, and `lora off` answers as before training.
        sft.send("status")
        XCTAssertTrue(sft.waitFor { $0.contains("requests served") }, sft.stdout)
        let models = try Curl.request("http://127.0.0.1:\(port)/v1/models", method: "GET")
        let ids = (models.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        XCTAssertEqual(ids, ["SmolLM2-135M-Instruct.Q4_1", "ckpt:1", "ckpt:2"], models.body)
        let ck = try Curl.request(chat, body: chatBody("Who are you?", maxTokens: 12, extra: #","model":"ckpt:1""#))
        XCTAssertEqual(ck.status, 200, ck.body)
        XCTAssertEqual(ck.json?["model"] as? String, "ckpt:1")
        sft.send("lora off")
        sft.send("wait 0")
        XCTAssertTrue(sft.waitFor { $0.contains("waited 0 s") }, sft.stdout)
        let off = joinChatStream(try Curl.request(chat, body: question).body)
        XCTAssertEqual(off.text, before.text, "adapters off: the base model's answer again")

        sft.send("serve stop")
        XCTAssertTrue(sft.waitFor { $0.contains("server stopped (") }, sft.stdout)
        sft.send("status")
        XCTAssertEqual(sft.finish(), 0, sft.stdout + sft.stderr)
        XCTAssertFalse(sft.stdout.contains("error:"), sft.stdout)
        let refused = try? Curl.request(chat, body: question, timeout: 5)
        XCTAssertEqual(refused?.status ?? 0, 0, "nothing listens after serve stop")
    }

    /// In a real terminal: Ctrl-C at the prompt and during a command never stops the server; `quit` does.
    func testCtrlCNeverStopsTheServerQuitDoes() throws {
        guard FileManager.default.fileExists(atPath: TrainShellTests.modelPath) else {
            return XCTFail("default model missing at \(TrainShellTests.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
        }
        guard Curl.available else { return XCTFail("curl is missing: scripts/install-deps installs it") }
        setenv("SFT_MODEL", TrainShellTests.modelPath, 1)
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let t = try TmuxTerminal(home: home)
        defer { t.close() }
        t.type("serve --port 0")
        t.keys("Enter")
        var port = 0
        XCTAssertTrue(t.waitFor(timeout: 30) { screen in
            guard let r = screen.range(of: #"127\.0\.0\.1:\d+/v1"#, options: .regularExpression) else { return false }
            port = Int(screen[r].dropFirst(10).dropLast(3)) ?? 0
            return true
        }, t.screen())
        let models = "http://127.0.0.1:\(port)/v1/models"
        t.type("wait 30")
        t.keys("Enter")
        usleep(300_000)
        t.keys("C-c")                                  // stops `wait`, not the server
        XCTAssertTrue(t.waitFor { $0.contains("stopped after") }, t.screen())
        t.keys("C-c")                                  // at the prompt
        XCTAssertEqual(try Curl.request(models, method: "GET").status, 200, "the server outlives Ctrl-C")
        t.type("quit")
        t.keys("Enter")
        XCTAssertTrue(t.waitForExit(timeout: 30), t.screen())
        XCTAssertEqual((try? Curl.request(models, method: "GET", timeout: 5))?.status ?? 0, 0, "quit stops the server")
    }
}
