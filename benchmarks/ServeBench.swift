// `sft-bench serve`: the server's time to first token and decode tokens/s next to `ask`'s, on the default
// model, the same prompt and greedy decoding (so both produce the same tokens). `ask`'s side is
// Generator.reply as AskCommand calls it; the server's is a streamed chat completion to OpenAIServer on
// loopback, timed by the client from sending the request to the first text chunk and to the end of the stream.
// A warm-up answer first (it builds the fp16 decode weights), then 3 rounds alternating ask and serve (this
// machine's speed drifts over minutes); best of each side.
import Foundation
import SFT
import SFTServe
import SFTShell

func serveBench() throws {
    guard let path = ProcessInfo.processInfo.environment["SFT_MODEL"] ?? DefaultModel.path() else {
        return FileHandle.standardError.write("  serve: no model (set SFT_MODEL or run make model)\n".data(using: .utf8)!)
    }
    let session = Session()
    session.setModel(try ChatModel.load(path: path))
    try session.set("temperature", "0")
    let m = session.model!
    let question = "Write a short story about a robot who learns to paint."
    let maxTokens = 128
    let options = GenerationOptions(sampler: .greedy, maxTokens: maxTokens)

    func ask() throws -> (ttft: Double, decode: Double, tokens: Int) {
        var rng = RNG(seed: 0)
        let t0 = now()
        var first: Double?
        let r = try Generator.reply(model: m, messages: [Message(.user, question)], options: options, rng: &rng) { piece in
            if first == nil && !piece.isEmpty { first = now() - t0 }
        }
        return (first ?? .infinity, r.decodeTokensPerSecond, r.tokens.count)
    }
    _ = try ask()

    // serve: the same through HTTP + SSE, timed by the client.
    let server = OpenAIServer(options: .init(host: "127.0.0.1", port: 0), gate: session.serving.gate, seed: 0) { session.liveView() }
    try server.start()
    defer { server.stop() }
    let body = #"{"messages":[{"role":"user","content":"\#(question)"}],"temperature":0,"max_tokens":\#(maxTokens),"stream":true,"stream_options":{"include_usage":true}}"#
    func serve() throws -> (ttft: Double, decode: Double, tokens: Int) {
        var seen = "", first: Double?
        let t0 = now()
        let reply = try LoopbackHTTP.send(port: server.port, method: "POST", path: "/v1/chat/completions", body: Data(body.utf8)) { bytes in
            guard first == nil else { return }
            seen += String(decoding: bytes, as: UTF8.self)
            if seen.range(of: #""delta":\{"content":"[^"]"#, options: .regularExpression) != nil { first = now() - t0 }
        }
        let total = now() - t0
        let text = String(decoding: reply.body, as: UTF8.self)
        guard let r = text.range(of: #""completion_tokens":\d+"#, options: .regularExpression),
              let n = Int(text[r].split(separator: ":").last!), let f = first else { throw SFTError("serve bench: no usage in the stream", hint: nil) }
        return (f, Double(n - 1) / (total - f), n)
    }

    var askTTFT = Double.infinity, askDecode = 0.0, askTokens = 0
    var serveTTFT = Double.infinity, serveDecode = 0.0, serveTokens = 0
    for _ in 0..<3 {
        let a = try ask()
        (askTTFT, askDecode, askTokens) = (min(askTTFT, a.ttft), max(askDecode, a.decode), a.tokens)
        let b = try serve()
        (serveTTFT, serveDecode, serveTokens) = (min(serveTTFT, b.ttft), max(serveDecode, b.decode), b.tokens)
    }
    print(String(format: "ask:   first token %.0f ms, decode %.1f tok/s (%d tokens)", askTTFT * 1000, askDecode, askTokens))
    print(String(format: "serve: first token %.0f ms, decode %.1f tok/s (%d tokens, streamed over HTTP)", serveTTFT * 1000, serveDecode, serveTokens))
    print(String(format: "FIGURE ask-ttft seconds=%.4f", askTTFT))
    print(String(format: "FIGURE ask-decode tok_s=%.1f", askDecode))
    print(String(format: "FIGURE serve-ttft seconds=%.4f", serveTTFT))
    print(String(format: "FIGURE serve-decode tok_s=%.1f", serveDecode))
}
