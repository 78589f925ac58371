// `serve [--host 127.0.0.1] [--port 8000] [--api-key KEY]`: the live session as an OpenAI-compatible HTTP
// endpoint in the background (OpenAIServer); the prompt comes back at once. Requests are answered with what
// `ask` would answer (adapters on or off, the checkpoint in use, the int8 copy), between training steps while
// `train` runs. `serve stop` ends it (so does `quit`; Ctrl-C never does). `serve send PATH [JSON]` sends one
// request to it and prints the reply, so a notebook can show the API without a second program.
import ArgumentParser
import Foundation
import SFT
import SFTServe

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the live model over HTTP, OpenAI-compatible (serve stop ends it).",
        subcommands: [ServeStart.self, ServeStop.self, ServeSend.self], defaultSubcommand: ServeStart.self)
}

struct ServeStart: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Serve the live model over HTTP, OpenAI-compatible, in the background (`serve` alone).")

    @Option(help: "Address to listen on; 127.0.0.1 (this machine only) unless you mean to share the model.")
    var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8000
    @Option(name: .customLong("api-key"), help: "Require `Authorization: Bearer KEY` on every request.")
    var apiKey: String?
    @Option(name: .customLong("max-queue"), help: "Requests that may wait behind the one running; more get 503 with Retry-After.")
    var maxQueue = 16

    mutating func run(session: Session) throws {
        if let s = session.serving.server {
            throw SFTError("already serving at \(s.address)/v1", hint: "`serve stop` first to change the address")
        }
        guard (0...65535).contains(port) else { throw SFTError("--port must be in [0, 65535], got \(port)", hint: "serve --port 8000") }
        guard (0...1024).contains(maxQueue) else { throw SFTError("--max-queue must be in [0, 1024], got \(maxQueue)", hint: "serve --max-queue 16") }
        if let k = apiKey, k.isEmpty || k.contains(where: { $0.isWhitespace }) {
            throw SFTError("the API key is empty or has spaces", hint: "serve --api-key sk-local-123")
        }
        let server = try Self.start(session, OpenAIServer.Options(host: host, port: port, apiKey: apiKey, maxQueue: maxQueue))
        var line = "serving the live model at \(server.address)/v1 (OpenAI-compatible"
        line += apiKey == nil ? "" : ", API key required"
        line += Self.isLoopback(host) ? ", this machine only)" : "; reachable from the network)"
        session.out.print(line)
        if !Self.isLoopback(host) && apiKey == nil {
            session.out.print("note: anyone who reaches \(host):\(server.port) can use the model; --api-key KEY asks for a key")
        }
        if session.model == nil { session.out.print("note: no model is loaded; requests get 503 until `model load`") }
    }

    /// Starts a server on the session's live model (shared with `sft serve`).
    static func start(_ session: Session, _ options: OpenAIServer.Options) throws -> OpenAIServer {
        let server = OpenAIServer(options: options, gate: session.serving.gate, seed: UInt64(session.settings.int("seed"))) { [weak session] in
            session?.liveView()
        }
        try server.start()
        session.serving.server = server
        return server
    }

    static func isLoopback(_ host: String) -> Bool { host == "127.0.0.1" || host == "localhost" || host == "::1" }
}

struct ServeStop: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the server (requests waiting get 503).")

    mutating func run(session: Session) throws {
        guard let s = session.serving.server else { throw SFTError("no server is running", hint: "`serve` starts one") }
        let served = s.stats.served
        session.serving.stop()
        session.out.print("server stopped (\(served) request\(served == 1 ? "" : "s") served)")
    }
}

struct ServeSend: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send one request to the running server; print the status and the reply.")

    @Argument(help: "The path, e.g. /v1/models or /v1/chat/completions.") var path: String
    @Argument(help: "A JSON body (quote it with ''); with one the request is a POST, without a GET.") var body: String?
    @Option(help: "The API key to send (default: the server's own).") var key: String?

    mutating func run(session: Session) throws {
        guard let s = session.serving.server else { throw SFTError("no server is running", hint: "`serve` starts one") }
        guard path.hasPrefix("/") else { throw SFTError("the path must start with /", hint: "serve send /v1/models") }
        var headers: [String: String] = [:]
        if let k = key ?? s.options.apiKey { headers["Authorization"] = "Bearer \(k)" }
        let host = ServeStart.isLoopback(s.options.host) || s.options.host == "0.0.0.0" ? "127.0.0.1" : s.options.host
        let reply = try LoopbackHTTP.send(host: host, port: s.port, method: body == nil ? "GET" : "POST", path: path,
                                          body: body.map { Data($0.utf8) }, headers: headers)
        session.out.print("HTTP \(reply.status)" + (reply.headers["retry-after"].map { " (Retry-After: \($0))" } ?? ""))
        let text = String(decoding: reply.body, as: UTF8.self)
        if reply.headers["content-type"]?.hasPrefix("text/event-stream") == true {
            for line in text.split(separator: "\n") where line.hasPrefix("data: ") {
                let payload = String(line.dropFirst(6))
                session.out.print("data: " + (Self.stable(payload, pretty: false) ?? payload))
            }
        } else {
            session.out.print(lines: (Self.stable(text, pretty: true) ?? text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        }
    }

    /// JSON with sorted keys and the per-request `id` and `created` shown as "-", so a transcript is stable.
    static func stable(_ json: String, pretty: Bool) -> String? {
        guard let o = try? JSONSerialization.jsonObject(with: Data(json.utf8)), var d = o as? [String: Any] else { return nil }
        if d["id"] is String { d["id"] = "-" }
        if d["created"] != nil, d["object"] as? String != "list" { d["created"] = "-" }
        if var list = d["data"] as? [[String: Any]] {
            for i in list.indices where list[i]["created"] != nil { list[i]["created"] = "-" }
            d["data"] = list
        }
        var opts: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { opts.insert(.prettyPrinted) }
        guard let data = try? JSONSerialization.data(withJSONObject: d, options: opts) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
