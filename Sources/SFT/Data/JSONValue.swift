// JSONValue and a minimal JSON parser over UTF-8 bytes, for dataset files. Foundation's JSONSerialization
// on Linux is several times too slow for 100k-line JSONL files, and gives no positions; this one gives the
// byte offset of the first error (the loader turns it into line:column). It validates UTF-8 inside strings,
// decodes every escape including \uXXXX surrogate pairs, and keeps object keys in file order.
// Not here: writing JSON (see DatasetWriter.swift), streaming of huge single values.

public struct JSONMember: Equatable, Sendable {
    public var key: String
    public var value: JSONValue
}

public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value of `key` in an object (first occurrence), nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for m in members where m.key == key { return m.value }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var isObject: Bool { if case .object = self { return true }; return false }

    /// A short name of the JSON type, for messages like "content is a number, expected a string".
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A parse failure at a byte offset (0-based) from the start of the parsed bytes.
public struct JSONParseError: Error, Equatable, Sendable {
    public var offset: Int
    public var message: String
    public var invalidUTF8: Bool
}

public enum JSONParser {
    /// Parses exactly one JSON value (surrounding whitespace allowed) from `bytes`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var r = JSONByteReader(bytes)
        r.skipSpace()
        let v = try r.value(depth: 0)
        r.skipSpace()
        if r.i < r.n { throw r.fail("unexpected \(r.describe(r.i)) after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (p) throws(JSONParseError) in try parse(p) }
    }

    /// Parses a top-level array element by element, handing each value and its start offset to `body`
    /// (so a loader can give every element its own line number).
    public static func parseArray(_ bytes: UnsafeBufferPointer<UInt8>,
                                  _ body: (JSONValue, Int) throws -> Void) throws {
        var r = JSONByteReader(bytes)
        r.skipSpace()
        guard r.i < r.n, r.p[r.i] == UInt8(ascii: "[") else { throw r.fail("expected '[' at the start of a JSON array") }
        r.i += 1
        r.skipSpace()
        if r.i < r.n, r.p[r.i] == UInt8(ascii: "]") { r.i += 1 } else {
            while true {
                let start = r.i
                let v = try r.value(depth: 1)
                try body(v, start)
                r.skipSpace()
                guard r.i < r.n else { throw r.fail("unterminated array: the file ends before ']'") }
                if r.p[r.i] == UInt8(ascii: ",") { r.i += 1; r.skipSpace(); continue }
                if r.p[r.i] == UInt8(ascii: "]") { r.i += 1; break }
                throw r.fail("expected ',' or ']' in array, found \(r.describe(r.i))")
            }
        }
        r.skipSpace()
        if r.i < r.n { throw r.fail("unexpected \(r.describe(r.i)) after the JSON array") }
    }
}

/// The cursor the parser walks; `i` is the offset of the next unread byte.
struct JSONByteReader {
    let p: UnsafeBufferPointer<UInt8>
    let n: Int
    var i = 0
    static let maxDepth = 256

    init(_ p: UnsafeBufferPointer<UInt8>) { self.p = p; self.n = p.count }

    func fail(_ message: String, at offset: Int? = nil, utf8: Bool = false) -> JSONParseError {
        JSONParseError(offset: offset ?? i, message: message, invalidUTF8: utf8)
    }

    func describe(_ at: Int) -> String {
        guard at < n else { return "end of input" }
        let c = p[at]
        if c >= 0x21 && c < 0x7f { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    mutating func skipSpace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard i < n else { throw fail("unexpected end of input, expected a value") }
        switch p[i] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected \(describe(i)), expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard i + w.count <= n else { throw fail("unexpected end of input in '\(word)'") }
        for k in 0..<w.count where p[i + k] != w[k] { throw fail("invalid literal, expected '\(word)'") }
        i += w.count
    }

    mutating func number() throws(JSONParseError) -> Double {
        let start = i
        if p[i] == UInt8(ascii: "-") { i += 1 }
        var digits = 0
        while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1; digits += 1 }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1; digits += 1 }
        }
        if i < n, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            while i < n, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        guard digits > 0, let d = Double(text) else { throw fail("invalid number '\(text)'", at: start) }
        return d
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < n, p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard i < n else { throw fail("unterminated array, expected ',' or ']'") }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']' in array, found \(describe(i))")
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var members: [JSONMember] = []
        skipSpace()
        if i < n, p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < n, p[i] == UInt8(ascii: "\"") else {
                throw fail(i < n ? "expected a quoted key, found \(describe(i))" : "unterminated object, expected a key")
            }
            let key = try string()
            skipSpace()
            guard i < n, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key)\", found \(describe(i))") }
            i += 1
            skipSpace()
            members.append(JSONMember(key: key, value: try value(depth: depth)))
            skipSpace()
            guard i < n else { throw fail("unterminated object, expected ',' or '}'") }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("expected ',' or '}' in object, found \(describe(i))")
        }
    }

    /// A string starting at the opening quote. Fast path: no escapes, copy the bytes once.
    mutating func string() throws(JSONParseError) -> String {
        let open = i
        i += 1
        let start = i
        var high = false
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                let s = try make(UnsafeBufferPointer(rebasing: p[start..<i]), high: high, at: start)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it as \\n, \\t...)") }
            if c >= 0x80 { high = true }
            i += 1
        }
        guard i < n else { throw fail("unterminated string", at: open) }
        // Slow path: escapes. Collect bytes, then validate once.
        var out = [UInt8](UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return try out.withUnsafeBufferPointer { b throws(JSONParseError) in try make(b, high: high, at: start) }
            }
            if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16)) inside a string (escape it as \\n, \\t...)") }
            if c >= 0x80 { high = true }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < n else { break }
            let e = p[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by \u and a low surrogate.
                    guard i + 1 < n, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                        throw fail("lone high surrogate \\u\(String(scalar, radix: 16)) without its low half", at: i - 6)
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("invalid low surrogate \\u\(String(low, radix: 16))", at: i - 6) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw fail("lone low surrogate \\u\(String(scalar, radix: 16))", at: i - 6)
                }
                appendUTF8(&out, scalar)
            default:
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: i - 2)
            }
        }
        throw fail("unterminated string", at: open)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= n else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    func make(_ b: UnsafeBufferPointer<UInt8>, high: Bool, at: Int) throws(JSONParseError) -> String {
        if !high { return String(decoding: b, as: UTF8.self) }
        guard let s = String(validating: b, as: UTF8.self) else {
            throw fail("invalid UTF-8 bytes inside a string", at: at + firstInvalidUTF8(b), utf8: true)
        }
        return s
    }
}

func appendUTF8(_ out: inout [UInt8], _ s: UInt32) {
    switch s {
    case 0..<0x80: out.append(UInt8(s))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (s >> 6))); out.append(UInt8(0x80 | (s & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (s >> 12))); out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (s >> 18))); out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
    }
}

/// Offset of the first byte that breaks UTF-8 in `b` (b.count if it is valid): overlong forms,
/// surrogates, values above U+10FFFF and cut-off sequences all count as broken.
public func firstInvalidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Int {
    var i = 0
    let n = b.count
    while i < n {
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        var need = 0
        var cp: UInt32 = 0
        if c >= 0xC2 && c <= 0xDF { need = 1; cp = UInt32(c & 0x1F) }
        else if c & 0xF0 == 0xE0 { need = 2; cp = UInt32(c & 0x0F) }
        else if c >= 0xF0 && c <= 0xF4 { need = 3; cp = UInt32(c & 0x07) }
        else { return i }
        guard i + need < n else { return i }
        for k in 1...need {
            let d = b[i + k]
            guard d & 0xC0 == 0x80 else { return i }
            cp = cp << 6 | UInt32(d & 0x3F)
        }
        if need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp < 0xE000)) { return i }
        if need == 3 && (cp < 0x10000 || cp > 0x10FFFF) { return i }
        i += need + 1
    }
    return n
}
