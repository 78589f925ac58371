// One JSON record -> one Conversation, for the three JSON schemas (OpenAI messages, Alpaca, ShareGPT), with
// every rule checked and each fault reported as a DataProblem naming the message number. The conversation
// rules (optional system first, then user/assistant alternating, ending with assistant) live in
// `checkTurns`, shared with the table formats.
import Foundation

public enum DataFormat: String, CaseIterable, Sendable {
    case messages, alpaca, sharegpt, csv, xlsx

    /// Accepts the names a person types after `format:` (messages/openai/chatml, alpaca, sharegpt,
    /// csv/tsv, xlsx/excel).
    public init?(name: String) {
        switch name.lowercased() {
        case "messages", "openai", "chatml", "jsonl": self = .messages
        case "alpaca": self = .alpaca
        case "sharegpt": self = .sharegpt
        case "csv", "tsv": self = .csv
        case "xlsx", "excel": self = .xlsx
        default: return nil
        }
    }

    public var isJSON: Bool { self == .messages || self == .alpaca || self == .sharegpt }
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
        var alpaca = false
        for m in members {
            switch m.key {
            case "messages": return .messages
            case "conversations": return .sharegpt
            case "instruction", "output": alpaca = true
            default: break
            }
        }
        return alpaca ? .alpaca : nil
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
        case .duplicate: return "`dedup` removes exact and near-duplicates"
        case .tooLong: return "these are cut at the context length in training; `filter` by tokens drops them"
        default: return nil
        }
    }

    /// Converts `v` as `format` (a JSON schema). Returns nil and fills `problems` when the record is dropped.
    static func convert(_ v: JSONValue, as format: DataFormat, _ ctx: inout RecordContext) -> Conversation? {
        guard v.isObject else {
            ctx.add(.wrongType, "record is \(v.typeName), expected an object", hint: "each record is a JSON object like {\"messages\": [...]}")
            return nil
        }
        let messages: [Message]?
        switch format {
        case .alpaca: messages = alpaca(v, &ctx)
        case .sharegpt: messages = roleList(v, key: "conversations", roleKey: "from", textKey: "value", &ctx)
        default: messages = roleList(v, key: "messages", roleKey: "role", textKey: "content", &ctx)
        }
        guard let messages, ctx.problems.isEmpty, checkTurns(messages, &ctx) else { return nil }
        return Conversation(messages, source: ctx.file, line: ctx.line)
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
            guard let c = item[textKey] else { ctx.add(.missingField, "message \(n) (\(role.rawValue)) has no \"\(textKey)\""); continue }
            guard case .string(let text) = c else {
                ctx.add(.wrongType, "message \(n) (\(role.rawValue)): \"\(textKey)\" is \(c.typeName), expected a string")
                continue
            }
            if text.isBlankText { ctx.add(.emptyContent, "message \(n) (\(role.rawValue)) has empty content"); continue }
            out.append(Message(role, text))
        }
        return ctx.problems.isEmpty ? out : nil
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
        for k in 0..<turns {
            let expected: Role = k % 2 == 0 ? .user : .assistant
            let got = m[k + offset].role
            if got != expected {
                ctx.add(.notAlternating, "message \(k + offset + 1) is \(got.rawValue), expected \(expected.rawValue)")
                return false
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
