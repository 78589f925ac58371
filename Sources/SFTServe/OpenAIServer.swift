// OpenAIServer: the live session as an OpenAI-compatible HTTP endpoint, on Hummingbird (SwiftNIO).
//   POST /v1/chat/completions   messages -> the model's chat template -> the answer (JSON, or SSE with `stream`)
//   POST /v1/completions        a raw prompt, continued as it is
//   GET  /v1/models             the live model and the training run's checkpoints (`ckpt:N`)
//   POST /tokenize, /detokenize the live tokenizer (the token calculator as an API)
// Model work runs on the ModelWorker, one request at a time under the LiveModelGate; the HTTP side only
// parses, queues and writes. `start` returns once the socket is bound (with the real port for port 0);
// `stop` refuses new work, ends the request in progress at its next token and closes the server.
import Foundation
import Hummingbird
import Logging
import SFT

public final class OpenAIServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8000
        public var apiKey: String?
        /// Requests that may wait behind the running one; beyond it, 503 with Retry-After.
        public var maxQueue = 16
        public init(host: String = "127.0.0.1", port: Int = 8000, apiKey: String? = nil, maxQueue: Int = 16) {
            self.host = host
            self.port = port
            self.apiKey = apiKey
            self.maxQueue = maxQueue
        }
    }

    public static let maxBodyBytes = 1 << 20

    public let options: Options
    /// The bound port (the chosen one for port 0).
    public private(set) var port = 0
    public let startTime = Date()
    let worker: ModelWorker
    let view: () -> LiveModelView?
    private var task: Task<Void, Error>?
    /// The server's own sampling generator (requests without `seed`); used only on the worker thread.
    var rng: RNG

    /// `view` is called on the worker thread holding `gate`: it reads the session's live state.
    public init(options: Options, gate: LiveModelGate, seed: UInt64, view: @escaping () -> LiveModelView?) {
        self.options = options
        self.view = view
        self.rng = RNG(seed: seed)
        worker = ModelWorker(gate: gate, maxQueue: options.maxQueue)
    }

    public var address: String { "http://\(options.host.contains(":") ? "[\(options.host)]" : options.host):\(port)" }
    /// Requests taken up by the model so far, waiting now, and whether one runs.
    public var stats: (served: Int, queued: Int, busy: Bool) { worker.stats }

    /// Binds and starts serving in the background; throws when the address cannot be bound.
    public func start() throws {
        let router = Router()
        router.middlewares.add(OpenAIErrorMiddleware(apiKey: options.apiKey))
        OpenAIRoutes(server: self).add(to: router)
        var logger = Logger(label: "sft.serve", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        let bound = BoundSignal()
        let app = Application(router: router,
                              configuration: .init(address: .hostname(options.host, port: options.port), serverName: "sft"),
                              onServerRunning: { channel in bound.set(.success(channel.localAddress?.port ?? 0)) },
                              logger: logger)
        task = Task.detached {
            do { try await app.run() } catch { bound.set(.failure(error)) }
        }
        switch bound.wait() {
        case .success(let p): port = p
        case .failure(let e):
            worker.stop()
            throw SFTError("cannot listen on \(options.host):\(options.port): \(Self.describe(e))",
                           hint: "another program uses the port? try --port 0 (any free port) or another --port")
        }
    }

    /// Stops serving: new requests are refused, the one in progress ends at its next token.
    public func stop() {
        worker.stop()
        task?.cancel()
        let done = DispatchSemaphore(value: 0)
        let t = task
        Task.detached { _ = try? await t?.value; done.signal() }
        _ = done.wait(timeout: .now() + 10)
        task = nil
    }

    static func describe(_ e: Error) -> String {
        let s = "\(e)"
        if s.contains("Address already in use") || s.contains("EADDRINUSE") { return "the address is in use" }
        return s
    }
}

/// The first outcome of starting: the bound port or the error; `wait` blocks until one arrives.
final class BoundSignal: @unchecked Sendable {
    private let cond = NSCondition()
    private var value: Result<Int, Error>?
    func set(_ v: Result<Int, Error>) {
        cond.lock(); if value == nil { value = v }; cond.broadcast(); cond.unlock()
    }
    func wait() -> Result<Int, Error> {
        cond.lock(); defer { cond.unlock() }
        while value == nil { cond.wait() }
        return value!
    }
}

/// The API key check and OpenAI-style bodies for what the router itself refuses (no such path, bad method).
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let apiKey: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let apiKey, request.headers[.authorization] != "Bearer \(apiKey)" { return OpenAIRoutes.error(.badKey) }
        do {
            return try await next(request, context)
        } catch let e as APIError {
            return OpenAIRoutes.error(e)
        } catch let e as any HTTPResponseError {
            let code = Int(e.status.code)
            let message = code == 404 ? "no such endpoint: \(request.method) \(request.uri.path) (POST /v1/chat/completions, POST /v1/completions, GET /v1/models, POST /tokenize, POST /detokenize)"
                : code == 405 ? "\(request.method) is not allowed on \(request.uri.path)" : e.status.reasonPhrase
            return OpenAIRoutes.error(APIError(code, message, code: code == 404 ? "unknown_url" : nil))
        }
    }
}
