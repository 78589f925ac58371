// The endpoints of OpenAIServer and the JSON they answer with, in OpenAI's shapes (chat.completion,
// chat.completion.chunk over server-sent events ending `data: [DONE]`, text_completion, model lists) and
// vLLM's for /tokenize and /detokenize. Handlers parse and queue; ServeGeneration does the model work.
import Foundation
import Hummingbird
import SFT

struct OpenAIRoutes {
    typealias Context = BasicRequestContext
    let server: OpenAIServer

    func add(to router: Router<Context>) {
        router.post("v1/chat/completions") { request, _ in try await chat(request) }
        router.post("v1/completions") { request, _ in try await completion(request) }
        router.get("v1/models") { _, _ in try await models() }
        router.post("tokenize") { request, _ in try await tokenize(request) }
        router.post("detokenize") { request, _ in try await detokenize(request) }
    }

    // MARK: endpoints

    func chat(_ request: Request) async throws -> Response {
        let r = try RequestParser.chat(try await Self.body(request))
        return try await complete(.chat(r.messages), model: r.model, sampling: r.sampling, stream: r.stream, includeUsage: r.includeUsage)
    }

    func completion(_ request: Request) async throws -> Response {
        let r = try RequestParser.completion(try await Self.body(request))
        return try await complete(.text(r.prompt), model: r.model, sampling: r.sampling, stream: r.stream, includeUsage: r.includeUsage)
    }

    func models() async throws -> Response {
        let ids = try await onWorker { view -> [String] in
            guard let view else { throw APIError.noModel }
            return view.modelIDs
        }
        let created = Int(server.startTime.timeIntervalSince1970)
        let data: [[String: Any]] = ids.map { id in
            var m: [String: Any] = ["id": id, "object": "model", "created": created, "owned_by": "sft"]
            if id != ids[0] { m["parent"] = ids[0] }
            return m
        }
        return Self.json(["object": "list", "data": data])
    }

    /// `{"prompt": TEXT}` (as `tokens --ids` counts it) or `{"messages": [...]}` (rendered with the chat
    /// template and the assistant header, as a chat request's prompt) -> `{"count", "max_model_len", "tokens"}`.
    func tokenize(_ request: Request) async throws -> Response {
        let data = try await Self.body(request)
        let f = try Fields(body: data)
        let messages = f.has("messages") ? try RequestParser.chat(data).messages : nil
        let prompt = try f.string("prompt")
        guard messages != nil || prompt != nil else {
            throw APIError(400, "give 'prompt' (a string) or 'messages' (a chat)", param: "prompt", code: "missing_field")
        }
        let model = try f.string("model")
        let (ids, context) = try await onWorker { view -> ([Int32], Int) in
            guard let view else { throw APIError.noModel }
            _ = try view.resolve(model)
            let m = view.model
            if let messages { return (try m.prompt(messages), m.config.maxPositions) }
            return (m.tokenizer.encode(prompt!), m.config.maxPositions)
        }
        return Self.json(["count": ids.count, "max_model_len": context, "tokens": ids.map { Int($0) }])
    }

    /// `{"tokens": [ids]}` -> `{"prompt": TEXT}`.
    func detokenize(_ request: Request) async throws -> Response {
        let f = try Fields(body: try await Self.body(request))
        guard let list = f["tokens"]?.arrayValue else { throw APIError.badField("tokens", "a list of token ids") }
        var ids: [Int32] = []
        for (i, v) in list.enumerated() {
            guard case .number(let d) = v, d == d.rounded(), d >= 0, d < 1e9 else { throw APIError.badField("tokens[\(i)]", "a token id (an integer >= 0)") }
            ids.append(Int32(d))
        }
        let text = try await onWorker { view -> String in
            guard let view else { throw APIError.noModel }
            let vocab = view.model.tokenizer.vocabSize
            if let i = ids.firstIndex(where: { Int($0) >= vocab }) {
                throw APIError(400, "'tokens[\(i)]' is \(ids[i]); the vocabulary has \(vocab) tokens", param: "tokens[\(i)]", code: "invalid_value")
            }
            return view.model.tokenizer.decode(ids, skipSpecial: false)
        }
        return Self.json(["prompt": text])
    }

    // MARK: completions, whole or streamed

    private func complete(_ input: GenerationInput, model: String?, sampling: SamplingFields, stream: Bool, includeUsage: Bool) async throws -> Response {
        let job = ModelJob()
        let (events, sink) = AsyncStream<GenerationEvent>.makeStream()
        sink.onTermination = { _ in job.cancel() }          // the client went away: stop at the next token
        let server = self.server
        try server.worker.submit(job) {
            ServeGeneration.run(input, model: model, sampling: sampling, view: server.view(), job: job, rng: &server.rng) { sink.yield($0) }
            sink.finish()
        }
        let it = EventIterator(events.makeAsyncIterator())
        guard let first = await it.next() else { throw APIError.stopping }
        guard case .started(let modelID, let promptTokens) = first else {
            if case .failed(let e) = first { throw e }
            throw APIError(500, "the model work ended before it started", type: "server_error")
        }
        let isChat: Bool = { if case .chat = input { return true }; return false }()
        let shape = CompletionShape(chat: isChat, model: modelID, promptTokens: promptTokens)
        if !stream {
            var text = ""
            while let ev = await it.next() {
                switch ev {
                case .text(let t): text += t
                case .finished(let n, let reason): return Self.json(shape.whole(text: text, completionTokens: n, finishReason: reason))
                case .failed(let e): throw e
                case .started: break
                }
            }
            throw APIError.stopping
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func send(_ object: [String: Any]) async throws {
                try await writer.write(ByteBuffer(string: "data: " + Self.text(object) + "\n\n"))
            }
            if isChat { try await send(shape.chunk(delta: ["role": "assistant", "content": ""], finishReason: nil)) }
            while let ev = await it.next() {
                switch ev {
                case .text(let t): try await send(isChat ? shape.chunk(delta: ["content": t], finishReason: nil) : shape.chunk(text: t, finishReason: nil))
                case .finished(let n, let reason):
                    try await send(isChat ? shape.chunk(delta: [:], finishReason: reason) : shape.chunk(text: "", finishReason: reason))
                    if includeUsage { try await send(shape.usageChunk(completionTokens: n)) }
                case .failed(let e): try await send(e.json)
                case .started: break
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }

    /// Runs `body` on the model worker (holding the gate) with the live view, and returns its result.
    private func onWorker<T: Sendable>(_ body: @escaping (LiveModelView?) throws -> T) async throws -> T {
        let job = ModelJob()
        let server = self.server
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, Error>) in
            do {
                try server.worker.submit(job) {
                    if job.cancelled { return c.resume(throwing: APIError.stopping) }
                    c.resume(with: Result { try body(server.view()) })
                }
            } catch { c.resume(throwing: error) }
        }
    }

    // MARK: bodies

    /// The request body, at most 1 MB.
    static func body(_ request: Request) async throws -> Data {
        var r = request
        do {
            let buffer = try await r.collectBody(upTo: OpenAIServer.maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw APIError.tooLarge
        } catch {
            if "\(error)".contains("TooManyBytes") { throw APIError.tooLarge }
            throw error
        }
    }

    static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text(object))))
    }

    static func error(_ e: APIError) -> Response {
        var r = json(e.json, status: HTTPResponse.Status(code: e.status))
        if let s = e.retryAfter { r.headers[.retryAfter] = String(s) }
        return r
    }
}

/// The JSON objects of one completion: ids, timestamps and usage in OpenAI's shapes.
struct CompletionShape {
    let chat: Bool
    let model: String
    let promptTokens: Int
    let id: String
    let created = Int(Date().timeIntervalSince1970)

    init(chat: Bool, model: String, promptTokens: Int) {
        self.chat = chat
        self.model = model
        self.promptTokens = promptTokens
        id = (chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    }

    func usage(_ completion: Int) -> [String: Any] {
        ["prompt_tokens": promptTokens, "completion_tokens": completion, "total_tokens": promptTokens + completion]
    }

    func whole(text: String, completionTokens: Int, finishReason: String) -> [String: Any] {
        let choice: [String: Any] = chat
            ? ["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": finishReason, "logprobs": NSNull()]
            : ["index": 0, "text": text, "finish_reason": finishReason, "logprobs": NSNull()]
        return ["id": id, "object": chat ? "chat.completion" : "text_completion", "created": created, "model": model,
                "choices": [choice], "usage": usage(completionTokens)]
    }

    func chunk(delta: [String: Any], finishReason: String?) -> [String: Any] {
        ["id": id, "object": "chat.completion.chunk", "created": created, "model": model,
         "choices": [["index": 0, "delta": delta, "finish_reason": finishReason as Any? ?? NSNull(), "logprobs": NSNull()]]]
    }

    func chunk(text: String, finishReason: String?) -> [String: Any] {
        ["id": id, "object": "text_completion", "created": created, "model": model,
         "choices": [["index": 0, "text": text, "finish_reason": finishReason as Any? ?? NSNull(), "logprobs": NSNull()]]]
    }

    func usageChunk(completionTokens: Int) -> [String: Any] {
        ["id": id, "object": chat ? "chat.completion.chunk" : "text_completion", "created": created, "model": model,
         "choices": [] as [Any], "usage": usage(completionTokens)]
    }
}

/// One consumer's iterator over a job's events, handed from the handler to the streaming body.
final class EventIterator: @unchecked Sendable {
    private var it: AsyncStream<GenerationEvent>.AsyncIterator
    init(_ it: AsyncStream<GenerationEvent>.AsyncIterator) { self.it = it }
    func next() async -> GenerationEvent? { await it.next() }
}
