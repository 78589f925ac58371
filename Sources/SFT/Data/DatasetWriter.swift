// Saves a Dataset as OpenAI messages JSONL ({"messages":[{"role":..,"content":..},..]} per line), atomically:
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
        var s = "{\"messages\":["
        for (k, m) in c.messages.enumerated() {
            if k > 0 { s += "," }
            s += "{\"role\":\"" + m.role.rawValue + "\",\"content\":"
            appendJSONString(&s, m.content)
            s += "}"
        }
        return s + "]}"
    }

    /// A JSON string literal: quotes, backslash and control characters escaped; everything else as UTF-8.
    public static func appendJSONString(_ s: inout String, _ text: String) {
        s += "\""
        var plainStart = text.unicodeScalars.startIndex
        var i = plainStart
        let scalars = text.unicodeScalars
        while i < scalars.endIndex {
            let u = scalars[i]
            let esc: String?
            switch u {
            case "\"": esc = "\\\""
            case "\\": esc = "\\\\"
            case "\n": esc = "\\n"
            case "\r": esc = "\\r"
            case "\t": esc = "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    esc = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    esc = nil
                }
            }
            if let esc {
                s.unicodeScalars.append(contentsOf: scalars[plainStart..<i])
                s += esc
                plainStart = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        s.unicodeScalars.append(contentsOf: scalars[plainStart..<scalars.endIndex])
        s += "\""
    }

    /// Writes `conversations` to `path` as messages JSONL, atomically. Throws SFTError with the path.
    public static func save(_ conversations: [Conversation], to path: String) throws {
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
        for c in conversations {
            buffer.append(contentsOf: jsonLine(c).utf8)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 { flush() }
        }
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
    /// Saves as messages JSONL (atomic), whatever format it was loaded from.
    public func save(to path: String) throws { try DatasetWriter.save(conversations, to: path) }
}
