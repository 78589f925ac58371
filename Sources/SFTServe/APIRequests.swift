// The request bodies `serve` accepts, parsed from JSON into typed values with one clear error per bad field
// (its name, what it must be). Fields OpenAI defines that change nothing here (user, logprobs: false, n: 1,
// penalties of 0) are accepted; ones that would change the answer and are not supported are refused, never
// silently ignored. Unknown keys are ignored as OpenAI does.
import Foundation
import SFT

/// Sampling overrides common to chat and text completions; nil means "the session's setting".
public struct SamplingFields: Equatable, Sendable {
    public var temperature: Float?
    public var topP: Float?
    public var maxTokens: Int?
    public var seed: UInt64?
    public var stop: [String] = []
}

public struct ChatRequest: Equatable, Sendable {
    public var model: String?
    public var messages: [Message]
    public var sampling: SamplingFields
    public var stream: Bool
    public var includeUsage: Bool       // stream_options.include_usage: a last chunk with usage
}

public struct CompletionRequest: Equatable, Sendable {
    public var model: String?
    public var prompt: String
    public var sampling: SamplingFields
    public var stream: Bool
    public var includeUsage: Bool
}

/// Reads typed fields out of a JSON object (the project's own JSON parser: exact types, error offsets).
struct Fields {
    let json: JSONValue

    init(body: Data) throws {
        let v: JSONValue
        do { v = try JSONParser.parse([UInt8](body)) } catch {
            throw APIError(400, "the body is not valid JSON: \(error.message) at byte \(error.offset)", code: "invalid_json")
        }
        guard v.isObject else { throw APIError(400, "the body must be a JSON object, got \(v.typeName)", code: "invalid_json") }
        json = v
    }

    init(json: JSONValue) { self.json = json }

    subscript(k: String) -> JSONValue? { if let v = json[k], v != .null { return v }; return nil }
    func has(_ k: String) -> Bool { self[k] != nil }

    func string(_ k: String) throws -> String? {
        guard let v = self[k] else { return nil }
        guard case .string(let s) = v else { throw APIError.badField(k, "a string, got \(v.typeName)") }
        return s
    }
    func bool(_ k: String) throws -> Bool? {
        guard let v = self[k] else { return nil }
        guard case .bool(let b) = v else { throw APIError.badField(k, "true or false, got \(v.typeName)") }
        return b
    }
    func number(_ k: String) throws -> Double? {
        guard let v = self[k] else { return nil }
        guard case .number(let d) = v, d.isFinite else { throw APIError.badField(k, "a number, got \(v.typeName)") }
        return d
    }
    func integer(_ k: String) throws -> Int? {
        guard let d = try number(k) else { return nil }
        guard d == d.rounded(), abs(d) < 1e15 else { throw APIError.badField(k, "an integer, got \(d)") }
        return Int(d)
    }
}

enum RequestParser {
    static func chat(_ body: Data) throws -> ChatRequest {
        let f = try Fields(body: body)
        guard f.has("messages") else { throw APIError(400, "'messages' is required: a list of {\"role\", \"content\"}", param: "messages", code: "missing_field") }
        guard let list = f["messages"]?.arrayValue else { throw APIError.badField("messages", "a list of messages") }
        guard !list.isEmpty else { throw APIError(400, "'messages' is empty", param: "messages", code: "invalid_value") }
        var messages: [Message] = []
        for (i, item) in list.enumerated() {
            let at = "messages[\(i)]"
            guard item.isObject else { throw APIError.badField(at, "an object with role and content, got \(item.typeName)") }
            guard let roleName = item["role"]?.stringValue else { throw APIError.badField("\(at).role", "a string") }
            let role: Role
            switch roleName {
            case "system", "developer": role = .system
            case "user": role = .user
            case "assistant": role = .assistant
            default: throw APIError(400, "'\(at).role' must be system, user or assistant, got '\(roleName)'", param: "\(at).role", code: "invalid_value")
            }
            messages.append(Message(role, try content(item["content"], at: "\(at).content")))
        }
        return ChatRequest(model: try f.string("model"), messages: messages, sampling: try sampling(f),
                           stream: try f.bool("stream") ?? false, includeUsage: try includeUsage(f))
    }

    static func completion(_ body: Data) throws -> CompletionRequest {
        let f = try Fields(body: body)
        let prompt: String
        switch f["prompt"] {
        case .string(let s)?: prompt = s
        case .array(let a)? where a.count == 1 && a[0].stringValue != nil: prompt = a[0].stringValue!
        case nil: throw APIError(400, "'prompt' is required: a string", param: "prompt", code: "missing_field")
        default: throw APIError.badField("prompt", "a string (one prompt per request)")
        }
        guard !prompt.isEmpty else { throw APIError(400, "'prompt' is empty", param: "prompt", code: "invalid_value") }
        return CompletionRequest(model: try f.string("model"), prompt: prompt, sampling: try sampling(f),
                                 stream: try f.bool("stream") ?? false, includeUsage: try includeUsage(f))
    }

    /// A message's content: a string, or a list of `{"type": "text", "text": ...}` parts (joined).
    static func content(_ v: JSONValue?, at: String) throws -> String {
        switch v {
        case .string(let s)?: return s
        case .array(let parts)?:
            var text = ""
            for (j, part) in parts.enumerated() {
                guard let type = part["type"]?.stringValue else {
                    throw APIError.badField("\(at)[\(j)]", "an object with a type")
                }
                guard type == "text", let t = part["text"]?.stringValue else {
                    throw APIError(400, "'\(at)[\(j)]' has type '\(type)'; this model reads only text parts", param: "\(at)[\(j)].type", code: "unsupported_content_type")
                }
                text += t
            }
            return text
        case nil, .null?: throw APIError(400, "'\(at)' is missing", param: at, code: "missing_field")
        default: throw APIError.badField(at, "a string or a list of text parts")
        }
    }

    static func sampling(_ f: Fields) throws -> SamplingFields {
        var s = SamplingFields()
        if let t = try f.number("temperature") {
            guard t >= 0, t <= 2 else { throw APIError.outOfRange("temperature", "[0, 2]", t) }
            s.temperature = Float(t)
        }
        if let p = try f.number("top_p") {
            guard p > 0, p <= 1 else { throw APIError.outOfRange("top_p", "(0, 1]", p) }
            s.topP = Float(p)
        }
        for k in ["max_tokens", "max_completion_tokens"] {
            if let n = try f.integer(k) {
                guard n >= 1 else { throw APIError.outOfRange(k, "[1, context]", n) }
                s.maxTokens = n
            }
        }
        if let seed = try f.integer("seed") { s.seed = UInt64(bitPattern: Int64(seed)) }
        switch f["stop"] {
        case nil: break
        case .string(let one)?: s.stop = [one]
        case .array(let many)?:
            guard many.count <= 4, many.allSatisfy({ $0.stringValue != nil }) else { throw APIError.badField("stop", "a string or a list of up to 4 strings") }
            s.stop = many.map { $0.stringValue! }
        default: throw APIError.badField("stop", "a string or a list of up to 4 strings")
        }
        guard s.stop.allSatisfy({ !$0.isEmpty }) else { throw APIError(400, "'stop' holds an empty string", param: "stop", code: "invalid_value") }
        if let n = try f.integer("n"), n != 1 { throw APIError(400, "'n' must be 1: one answer per request", param: "n", code: "unsupported_value") }
        for k in ["presence_penalty", "frequency_penalty"] {
            if let v = try f.number(k), v != 0 { throw APIError(400, "'\(k)' is not supported (only 0)", param: k, code: "unsupported_value") }
        }
        if try f.bool("logprobs") == true { throw APIError(400, "'logprobs' is not supported", param: "logprobs", code: "unsupported_value") }
        if f.has("tools") { throw APIError(400, "'tools' is not supported: this server answers with text only", param: "tools", code: "unsupported_value") }
        return s
    }

    static func includeUsage(_ f: Fields) throws -> Bool {
        guard f.has("stream_options") else { return false }
        guard let o = f["stream_options"], o.isObject else { throw APIError.badField("stream_options", "an object") }
        return try Fields(json: o).bool("include_usage") ?? false
    }
}
