// One JSON record -> one Conversation, for the three JSON schemas (OpenAI messages, Alpaca, ShareGPT), with
// every rule checked and each fault reported as a DataProblem naming the message number. The conversation
// rules (optional system first, then user/assistant alternating, ending with assistant) live in
// `checkTurns`, shared with the table formats.
import Foundation

public enum DataFormat: String, CaseIterable, Sendable {
    case messages, alpaca, sharegpt, csv, xlsx
    /// Plain text for continued pretraining (.txt/.md, or JSONL records {"text": ...}): each sample is one
    /// document, held as a Conversation of one assistant message; TextCorpus.swift renders it.
    case text

    /// Accepts the names a person types after `format:` (messages/openai/chatml, alpaca, sharegpt,
    /// csv/tsv, xlsx/excel).
    public init?(name: String) {
        switch name.lowercased() {
        case "messages", "openai", "chatml", "jsonl": self = .messages
        case "alpaca": self = .alpaca
        case "sharegpt": self = .sharegpt
        case "csv", "tsv": self = .csv
        case "xlsx", "excel": self = .xlsx
        case "text", "txt", "pt": self = .text
        default: return nil
        }
    }

    public var isJSON: Bool { self == .messages || self == .alpaca || self == .sharegpt || self == .text }
}

/// Where a record is, plus its problems so far; converters append to `problems`.
struct RecordContext {
    let file: String
    let line: Int
    var problems: [DataProblem] = []

    mutating func add(_ kind: ProblemKind, _ message: String, hint: String? = nil) {
        problems.append(DataProblem(kind, file: file, line: line, message, hint: hint ?? DataRecords.hint(kind)))
    }
}

public enum DataRecords {
    /// Which JSON schema a record has, from its keys; nil if none.
    public static func schema(of v: JSONValue) -> DataFormat? {
        guard case .object(let members) = v else { return nil }
        var alpaca = false, text = false
        for m in members {
            switch m.key {
            case "messages": return .messages
            case "conversations": return .sharegpt
            case "instruction", "output": alpaca = true
            case "text": text = true
            default: break
            }
        }
        return alpaca ? .alpaca : text ? .text : nil
    }

    static func hint(_ kind: ProblemKind) -> String? {
        switch kind {
        case .unknownRole: return "roles are system, user and assistant"
        case .systemNotFirst, .twoSystems: return "put one system message first, or none"
        case .notAlternating: return "after the optional system message, turns go user, assistant, user, assistant..."
        case .noAssistant: return "each sample needs at least one user message and the assistant's reply"
        case .endsWithUser: return "end each sample with the assistant's reply (training learns from it)"
        case .emptyContent: return "give every message some text, or drop the message"
        case .wrongType: return "content must be a plain string"
        case .badJSON: return "each line must be one complete JSON object; check quotes, commas and brackets"
        case .invalidUTF8: return "save the file as UTF-8 (e.g. iconv -f GBK -t UTF-8 in > out)"
        case .duplicate: return "`data dedup NAME` removes the later copies (--normalized: near-duplicates too)"
        case .tooLong: return "these are cut at the context length in training; `data filter NAME --max-tokens N` drops them"
        default: return nil
        }
    }

    /// Converts `v` as `format` (a JSON schema). Returns nil and fills `problems` when the record is dropped.
    static func convert(_ v: JSONValue, as format: DataFormat, _ ctx: inout RecordContext) -> Conversation? {
        guard v.isObject else {
            ctx.add(.wrongType, "record is \(v.typeName), expected an object", hint: "each record is a JSON object like {\"messages\": [...]}")
            return nil
        }
        if format == .text {
            guard let f = v["text"] else { ctx.add(.missingField, "no \"text\" field", hint: "text records are {\"text\": \"...\"}"); return nil }
            guard case .string(let t) = f else { ctx.add(.wrongType, "\"text\" is \(f.typeName), expected a string"); return nil }
            if t.isBlankText { ctx.add(.emptyContent, "\"text\" is empty"); return nil }
            return Conversation([Message(.assistant, t)], source: ctx.file, line: ctx.line)
        }
        let messages: [Message]?
        switch format {
        case .alpaca: messages = alpaca(v, &ctx)
        case .sharegpt: messages = roleList(v, key: "conversations", roleKey: "from", textKey: "value", &ctx)
        default: messages = roleList(v, key: "messages", roleKey: "role", textKey: "content", &ctx)
        }
        guard let messages, ctx.problems.isEmpty, checkTurns(messages, &ctx) else { return nil }
        var conv = Conversation(messages, source: ctx.file, line: ctx.line)
        if let t = v["tools"], t != .null {
            guard case .array(let defs) = t, defs.allSatisfy(\.isObject) else {
                ctx.add(.wrongType, "\"tools\" must be an array of function definitions (objects)", hint: "tools: [{\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}]")
                return nil
            }
            conv.tools = defs.map(ToolJSON.dumps)
        }
        // Every call with an id is answered by a tool message with that id.
        let answered = Set(messages.compactMap(\.toolCallId))
        for (k, m) in messages.enumerated() where m.toolCalls != nil {
            for call in m.toolCalls ?? [] where call.id != nil && !answered.contains(call.id!) && messages.contains(where: { $0.toolCallId != nil }) {
                ctx.add(.wrongType, "message \(k + 1): tool call '\(call.id!)' has no tool message answering it",
                        hint: "follow the call with {\"role\": \"tool\", \"tool_call_id\": \"\(call.id!)\", \"content\": ...}")
                return nil
            }
        }
        return conv
    }

    static func role(_ s: String, sharegpt: Bool) -> Role? {
        if !sharegpt { return Role(rawValue: s) }
        switch s.lowercased() {
        case "human", "user": return .user
        case "gpt", "assistant", "chatgpt", "bot", "model": return .assistant
        case "system": return .system
        default: return nil
        }
    }

    /// `messages` (role/content) or ShareGPT `conversations` (from/value).
    static func roleList(_ v: JSONValue, key: String, roleKey: String, textKey: String,
                         _ ctx: inout RecordContext) -> [Message]? {
        guard let list = v[key] else { ctx.add(.missingField, "no \"\(key)\" field"); return nil }
        guard case .array(let items) = list else {
            ctx.add(.wrongType, "\"\(key)\" is \(list.typeName), expected an array of messages", hint: nil)
            return nil
        }
        var out: [Message] = []
        out.reserveCapacity(items.count)
        for (k, item) in items.enumerated() {
            let n = k + 1
            guard item.isObject else { ctx.add(.wrongType, "message \(n) is \(item.typeName), expected an object", hint: nil); continue }
            guard let r = item[roleKey] else { ctx.add(.missingField, "message \(n) has no \"\(roleKey)\""); continue }
            guard case .string(let rs) = r else { ctx.add(.wrongType, "message \(n): \"\(roleKey)\" is \(r.typeName), expected a string", hint: nil); continue }
            guard let role = role(rs, sharegpt: key == "conversations") else {
                ctx.add(.unknownRole, "message \(n) has unknown \(roleKey) \"\(rs.prefix(40))\"",
                        hint: key == "conversations" ? "ShareGPT \"from\" is human/user, gpt/assistant or system" : nil)
                continue
            }
            var calls: [ToolCall]?
            if role == .assistant, let tc = item["tool_calls"], tc != .null {
                guard let parsed = toolCalls(tc, message: n, &ctx) else { continue }
                calls = parsed
            }
            let c = item[textKey] ?? .null
            if c == .null && calls == nil { ctx.add(.missingField, "message \(n) (\(role.rawValue)) has no \"\(textKey)\""); continue }
            guard let text = c == .null ? "" : contentText(c, message: n, role: role, key: textKey, &ctx) else { continue }
            // OpenAI's "weight" and LLaMA-Factory v1's "loss_weight" on assistant messages: 0 shown, never trained.
            var weight: Int?
            for wk in ["weight", "loss_weight"] {
                guard let w = item[wk], w != .null else { continue }
                guard case .number(let x) = w, x == 0 || x == 1 else {
                    ctx.add(.wrongType, "message \(n) (\(role.rawValue)): \"\(wk)\" must be 0 or 1", hint: "0 shows the message without training on it; 1 (the default) trains it")
                    break
                }
                if role != .assistant && x == 1 {
                    ctx.add(.wrongType, "message \(n) (\(role.rawValue)): \"\(wk)\": 1 only applies to assistant messages", hint: "only assistant replies are trained")
                    break
                }
                weight = Int(x)
            }
            if text.isBlankText && calls == nil { ctx.add(.emptyContent, "message \(n) (\(role.rawValue)) has empty content"); continue }
            var msg = Message(role, text)
            msg.toolCalls = calls
            if role == .tool { msg.toolCallId = item["tool_call_id"]?.stringValue }
            if role == .assistant { msg.reasoning = item["reasoning_content"]?.stringValue }
            if role == .assistant, weight == 0 { msg.trained = false }
            out.append(msg)
        }
        return ctx.problems.isEmpty ? out : nil
    }

    /// An assistant's `tool_calls`: [{id, type, function: {name, arguments}}] (or {name, arguments} directly);
    /// arguments a JSON string (OpenAI) or an object (TRL). Nil with a problem added when malformed.
    static func toolCalls(_ v: JSONValue, message n: Int, _ ctx: inout RecordContext) -> [ToolCall]? {
        guard case .array(let items) = v else {
            ctx.add(.wrongType, "message \(n): \"tool_calls\" is \(v.typeName), expected an array", hint: nil); return nil
        }
        var out: [ToolCall] = []
        for (j, item) in items.enumerated() {
            let f = item["function"] ?? item
            guard let name = f["name"]?.stringValue, !name.isEmpty else {
                ctx.add(.missingField, "message \(n): tool call \(j + 1) has no function name", hint: "{\"type\": \"function\", \"function\": {\"name\": ..., \"arguments\": ...}}")
                return nil
            }
            var args = f["arguments"] ?? .object([])
            if case .string(let text) = args {
                var bytes = Array(text.utf8)
                guard let parsed = try? bytes.withUnsafeMutableBufferPointer({ try JSONParser.parse(UnsafeBufferPointer($0)) }) else {
                    ctx.add(.badJSON, "message \(n): the arguments of tool call \(j + 1) (\(name)) are not JSON", hint: "arguments are a JSON object, or a string holding one")
                    return nil
                }
                args = parsed
            }
            guard args.isObject else {
                ctx.add(.wrongType, "message \(n): the arguments of tool call \(j + 1) (\(name)) are \(args.typeName), expected an object", hint: nil)
                return nil
            }
            out.append(ToolCall(id: item["id"]?.stringValue, name: name, arguments: ToolJSON.dumps(args)))
        }
        return out
    }

    /// A message's text: a string, or an array of text parts (OpenAI {"type":"text","text":…}, LLaMA-Factory v1
    /// {"type":"text","value":…}) joined without separators. Image or audio parts are refused: sft trains text only.
    static func contentText(_ c: JSONValue, message n: Int, role: Role, key: String, _ ctx: inout RecordContext) -> String? {
        if case .string(let text) = c { return text }
        guard case .array(let parts) = c else {
            ctx.add(.wrongType, "message \(n) (\(role.rawValue)): \"\(key)\" is \(c.typeName), expected a string or an array of text parts")
            return nil
        }
        var text = ""
        for (j, p) in parts.enumerated() {
            let type = p["type"]?.stringValue ?? "text"
            guard type == "text" else {
                ctx.add(.wrongType, "message \(n) (\(role.rawValue)): part \(j + 1) is of type \"\(type.prefix(20))\"; sft trains text only",
                        hint: "drop image/audio parts, or keep only {\"type\": \"text\", \"text\": ...} parts")
                return nil
            }
            guard let t = (p["text"] ?? p["value"])?.stringValue else {
                ctx.add(.wrongType, "message \(n) (\(role.rawValue)): text part \(j + 1) has no \"text\" string", hint: "a text part is {\"type\": \"text\", \"text\": \"...\"}")
                return nil
            }
            text += t
        }
        return text
    }

    /// Alpaca: instruction (+ input) -> user, output -> assistant; optional system and history [[q, a], ...].
    static func alpaca(_ v: JSONValue, _ ctx: inout RecordContext) -> [Message]? {
        func text(_ key: String, required: Bool) -> String? {
            guard let f = v[key], f != .null else {
                if required { ctx.add(.missingField, "no \"\(key)\" field", hint: "Alpaca records have instruction, input (optional) and output") }
                return nil
            }
            guard case .string(let s) = f else { ctx.add(.wrongType, "\"\(key)\" is \(f.typeName), expected a string"); return nil }
            return s
        }
        let instruction = text("instruction", required: true) ?? ""
        let input = text("input", required: false) ?? ""
        let output = text("output", required: true)
        let system = text("system", required: false)
        var out: [Message] = []
        if let system, !system.isBlankText { out.append(Message(.system, system)) }
        if let h = v["history"], h != .null {
            if case .array(let pairs) = h {
                for (k, pair) in pairs.enumerated() {
                    guard case .array(let qa) = pair, qa.count == 2, let q = qa[0].stringValue, let a = qa[1].stringValue else {
                        ctx.add(.wrongType, "history item \(k + 1) is not a [question, answer] pair of strings", hint: nil)
                        continue
                    }
                    if q.isBlankText || a.isBlankText {
                        ctx.add(.emptyContent, "history item \(k + 1) has empty text"); continue
                    }
                    out.append(Message(.user, q))
                    out.append(Message(.assistant, a))
                }
            } else {
                ctx.add(.wrongType, "\"history\" is \(h.typeName), expected [[question, answer], ...]", hint: nil)
            }
        }
        let i = instruction.isBlankText ? "" : instruction
        let x = input.isBlankText ? "" : input
        let user = i.isEmpty ? x : (x.isEmpty ? i : i + "\n\n" + x)
        guard ctx.problems.isEmpty, let output else { return nil }
        if user.isEmpty { ctx.add(.emptyContent, "instruction and input are both empty"); return nil }
        if output.isBlankText { ctx.add(.emptyContent, "output is empty"); return nil }
        out.append(Message(.user, user))
        out.append(Message(.assistant, output))
        return out
    }

    /// The conversation rules; true when `m` is a valid sample. Message numbers in messages are 1-based.
    public static func checkTurns(_ m: [Message], file: String, line: Int) -> [DataProblem] {
        var ctx = RecordContext(file: file, line: line)
        _ = checkTurns(m, &ctx)
        return ctx.problems
    }

    static func checkTurns(_ m: [Message], _ ctx: inout RecordContext) -> Bool {
        let systems = m.indices.filter { m[$0].role == .system }
        if systems.count > 1 {
            ctx.add(.twoSystems, "\(systems.count) system messages (messages \(systems.map { String($0 + 1) }.joined(separator: ", ")))")
            return false
        }
        if let s = systems.first, s != 0 {
            ctx.add(.systemNotFirst, "message \(s + 1) is a system message; only the first message may be")
            return false
        }
        let offset = systems.isEmpty ? 0 : 1
        let turns = m.count - offset
        if !m.contains(where: { $0.role == .assistant }) || turns < 2 {
            ctx.add(.noAssistant, turns == 0 ? "no user or assistant messages" : "no assistant reply (needs a user message and the assistant's answer)")
            return false
        }
        // user, assistant, user, ...; an assistant message with tool calls is followed by tool messages, then
        // the assistant again.
        var expected: [Role] = [.user]
        for k in 0..<turns {
            let msg = m[k + offset], got = msg.role
            if !expected.contains(got) {
                ctx.add(.notAlternating, "message \(k + offset + 1) is \(got.rawValue), expected \(expected.map(\.rawValue).joined(separator: " or "))")
                return false
            }
            switch got {
            case .user: expected = [.assistant]
            case .assistant: expected = (msg.toolCalls ?? []).isEmpty ? [.user] : [.tool]
            case .tool: expected = [.tool, .assistant]
            case .system: expected = []
            }
        }
        if m[m.count - 1].role != .assistant {
            ctx.add(.endsWithUser, "the last message (\(m.count)) is from the user; samples end with the assistant")
            return false
        }
        return true
    }
}

extension String {
    /// Empty or only whitespace. Walks scalars, not Characters (grapheme breaking is slow), and stops at the
    /// first visible one.
    var isBlankText: Bool {
        for u in unicodeScalars where !u.properties.isWhitespace { return false }
        return true
    }
}
