// Saves a Dataset as OpenAI messages JSONL ({"messages":[{"role":..,"content":..},..]} per line), or as Alpaca
// ({instruction, input, output, system, history}) or ShareGPT ({conversations: [{from, value}]}) records, each
// one JSON line, or all in one JSON array (for .json files); text sets as {"text": ...}. Atomically:
// write a temporary file next to the target, fsync it, rename over the target, fsync the directory.
// A crash leaves either the old file or the new one, never half of one.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum DatasetWriter {
    /// One conversation as one JSON line (no trailing newline); keys in a fixed order so output is stable.
    public static func jsonLine(_ c: Conversation) -> String {
        var b: [UInt8] = []
        appendJSONLine(&b, c)
        return String(decoding: b, as: UTF8.self)
    }

    /// Appends the JSON line for `c` as UTF-8 bytes (what `save` writes).
    public static func appendJSONLine(_ b: inout [UInt8], _ c: Conversation) {
        b.append(contentsOf: #"{"messages":["#.utf8)
        for (k, m) in c.messages.enumerated() {
            if k > 0 { b.append(UInt8(ascii: ",")) }
            b.append(contentsOf: #"{"role":""#.utf8)
            b.append(contentsOf: m.role.rawValue.utf8)
            b.append(contentsOf: #"","content":"#.utf8)
            appendJSONString(&b, m.content)
            if m.role == .assistant && !m.trained { b.append(contentsOf: #","weight":0"#.utf8) }
            if let calls = m.toolCalls, !calls.isEmpty {
                b.append(contentsOf: #","tool_calls":["#.utf8)
                for (j, c) in calls.enumerated() {
                    if j > 0 { b.append(UInt8(ascii: ",")) }
                    b.append(UInt8(ascii: "{"))
                    if let id = c.id { b.append(contentsOf: #""id":"#.utf8); appendJSONString(&b, id); b.append(UInt8(ascii: ",")) }
                    b.append(contentsOf: #""type":"function","function":{"name":"#.utf8); appendJSONString(&b, c.name)
                    b.append(contentsOf: #","arguments":"#.utf8); b.append(contentsOf: c.arguments.utf8); b.append(contentsOf: "}}".utf8)
                }
                b.append(UInt8(ascii: "]"))
            }
            if let id = m.toolCallId { b.append(contentsOf: #","tool_call_id":"#.utf8); appendJSONString(&b, id) }
            if let r = m.reasoning { b.append(contentsOf: #","reasoning_content":"#.utf8); appendJSONString(&b, r) }
            b.append(UInt8(ascii: "}"))
        }
        b.append(UInt8(ascii: "]"))
        if let tools = c.tools, !tools.isEmpty {
            b.append(contentsOf: #","tools":["#.utf8)
            b.append(contentsOf: tools.joined(separator: ",").utf8)
            b.append(UInt8(ascii: "]"))
        }
        b.append(UInt8(ascii: "}"))
    }

    /// Appends one record of `c` in `format` (messages, alpaca, sharegpt or text) as UTF-8 bytes.
    public static func appendRecord(_ b: inout [UInt8], _ c: Conversation, format: DataFormat) {
        func key(_ k: String, _ v: String) { appendJSONString(&b, k); b.append(UInt8(ascii: ":")); appendJSONString(&b, v) }
        switch format {
        case .text:
            b.append(UInt8(ascii: "{")); key("text", c.messages.map(\.content).joined(separator: "\n")); b.append(UInt8(ascii: "}"))
        case .alpaca:
            // The last user/assistant pair is instruction/output; earlier pairs go in history.
            let turns = c.turns
            var pairs: [(String, String)] = []
            var k = 0
            while k + 1 < turns.count { pairs.append((turns[k].content, turns[k + 1].content)); k += 2 }
            let last = pairs.popLast() ?? ("", "")
            b.append(UInt8(ascii: "{")); key("instruction", last.0); b.append(UInt8(ascii: ",")); key("input", "")
            b.append(UInt8(ascii: ",")); key("output", last.1)
            if let sys = c.system { b.append(UInt8(ascii: ",")); key("system", sys) }
            if !pairs.isEmpty {
                b.append(contentsOf: #","history":["#.utf8)
                for (j, p) in pairs.enumerated() {
                    if j > 0 { b.append(UInt8(ascii: ",")) }
                    b.append(UInt8(ascii: "[")); appendJSONString(&b, p.0); b.append(UInt8(ascii: ",")); appendJSONString(&b, p.1); b.append(UInt8(ascii: "]"))
                }
                b.append(UInt8(ascii: "]"))
            }
            b.append(UInt8(ascii: "}"))
        case .sharegpt:
            b.append(contentsOf: #"{"conversations":["#.utf8)
            for (k, m) in c.messages.enumerated() {
                if k > 0 { b.append(UInt8(ascii: ",")) }
                b.append(UInt8(ascii: "{")); key("from", m.role == .user ? "human" : m.role == .assistant ? "gpt" : "system")
                b.append(UInt8(ascii: ",")); key("value", m.content); b.append(UInt8(ascii: "}"))
            }
            b.append(contentsOf: "]}".utf8)
        default:
            appendJSONLine(&b, c)
        }
    }

    static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quotes, backslash, control characters and U+2028/2029 escaped; everything
    /// else copied as UTF-8. Works on the bytes: plain runs are copied in one go.
    public static func appendJSONString(_ b: inout [UInt8], _ text: String) {
        b.append(0x22)
        var text = text
        text.withUTF8 { u in
            var plain = 0
            var i = 0
            while i < u.count {
                let c = u[i]
                var esc: (UInt8, UInt8)? = nil
                var unicode: UInt32? = nil
                var width = 1
                switch c {
                case 0x22: esc = (0x5C, 0x22)
                case 0x5C: esc = (0x5C, 0x5C)
                case 0x0A: esc = (0x5C, UInt8(ascii: "n"))
                case 0x0D: esc = (0x5C, UInt8(ascii: "r"))
                case 0x09: esc = (0x5C, UInt8(ascii: "t"))
                case 0..<0x20: unicode = UInt32(c)
                case 0xE2 where i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9):
                    unicode = u[i + 2] == 0xA8 ? 0x2028 : 0x2029
                    width = 3
                default: break
                }
                if esc == nil && unicode == nil { i += 1; continue }
                b.append(contentsOf: UnsafeBufferPointer(rebasing: u[plain..<i]))
                if let (x, y) = esc { b.append(x); b.append(y) }
                if let v = unicode {
                    b.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                    for shift in stride(from: 12, through: 0, by: -4) { b.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)]) }
                }
                i += width
                plain = i
            }
            b.append(contentsOf: UnsafeBufferPointer(rebasing: u[plain..<u.count]))
        }
        b.append(0x22)
    }

    /// Writes `conversations` to `path` as `format` records, one per line (JSONL) or as one JSON array,
    /// atomically. Throws SFTError with the path.
    public static func save(_ conversations: [Conversation], to path: String, format: DataFormat = .messages, jsonArray: Bool = false) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let tmp = dir + "/." + URL(fileURLWithPath: path).lastPathComponent + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw SFTError("cannot write: \(String(cString: strerror(errno)))", hint: "check that the folder exists and is writable", file: path)
        }
        var ok = true
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 << 20)
        func flush() {
            var off = 0
            while ok && off < buffer.count {
                let n = buffer.withUnsafeBytes { b -> Int in b.baseAddress.map { write(fd, $0 + off, b.count - off) } ?? -1 }
                if n <= 0 { ok = false } else { off += n }
            }
            buffer.removeAll(keepingCapacity: true)
        }
        if jsonArray { buffer.append(UInt8(ascii: "[")); buffer.append(0x0A) }
        for (k, c) in conversations.enumerated() {
            appendRecord(&buffer, c, format: format)
            if jsonArray && k + 1 < conversations.count { buffer.append(UInt8(ascii: ",")) }
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { flush() }
        }
        if jsonArray { buffer.append(UInt8(ascii: "]")); buffer.append(0x0A) }
        flush()
        let err = errno
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw SFTError("cannot write: \(String(cString: strerror(ok ? errno : err)))", hint: "is the disk full or the folder read-only?", file: path)
        }
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

extension Dataset {
    /// Saves as `format` records (default messages; a text set always as {"text"}), JSONL or one JSON array (atomic).
    public func save(to path: String, format: DataFormat = .messages, jsonArray: Bool = false) throws {
        try DatasetWriter.save(conversations, to: path, format: isText ? .text : format, jsonArray: jsonArray)
    }
}
