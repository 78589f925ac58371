// Tool calling in chat data (OpenAI's fine-tuning format): the function definitions a sample offers (`tools`),
// the calls an assistant message makes (`tool_calls`, arguments as a JSON string or an object as TRL writes it)
// and the `tool` messages that answer them. Definitions and arguments are kept as JSON text written the way
// Python's json.dumps(ensure_ascii=False) writes it (", " and ": " separators, keys in file order), which is
// what HF's `tojson` filter puts into Qwen2.5's chat template, so rendering needs no JSON at all.
// Loading is in DataRecords.swift, rendering in ChatTemplate.swift.

/// One function call of an assistant message.
public struct ToolCall: Codable, Equatable, Hashable, Sendable {
    public var id: String?
    public var name: String
    /// The arguments object as JSON text (json.dumps style).
    public var arguments: String
    public init(id: String?, name: String, arguments: String) { self.id = id; self.name = name; self.arguments = arguments }
}

public enum ToolJSON {
    /// `v` as Python's json.dumps(v, ensure_ascii=False) writes it. Integral numbers are written without a
    /// fraction (JSON text does not say whether 18 was an int; Python reads it as one).
    public static func dumps(_ v: JSONValue) -> String {
        var s = ""
        write(v, &s)
        return s
    }

    static func write(_ v: JSONValue, _ s: inout String) {
        switch v {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .number(let x):
            if x == x.rounded(), abs(x) < 1e16 { s += String(Int64(x)) } else { s += "\(x)" }
        case .string(let t): string(t, &s)
        case .array(let a):
            s += "["
            for (k, e) in a.enumerated() { if k > 0 { s += ", " }; write(e, &s) }
            s += "]"
        case .object(let m):
            s += "{"
            for (k, e) in m.enumerated() { if k > 0 { s += ", " }; string(e.key, &s); s += ": "; write(e.value, &s) }
            s += "}"
        }
    }

    /// A JSON string as Python writes it with ensure_ascii=False: \" \\ \n \r \t \b \f, other controls \u00XX.
    static func string(_ t: String, _ s: inout String) {
        s += "\""
        for u in t.unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            case "\u{08}": s += "\\b"
            case "\u{0C}": s += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    s += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else { s.unicodeScalars.append(u) }
            }
        }
        s += "\""
    }
}
