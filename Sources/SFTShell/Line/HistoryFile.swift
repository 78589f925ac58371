// The history file ($SFT_HOME/history): one command per line. Lines are appended, under a lock, by every sft
// that typed them, so two processes on one $SFT_HOME both keep theirs (rewriting the file, as libedit's
// write_history does, lets the last one to exit win). A file written by libedit (`_HiStOrY_V2_` header, spaces
// as \040) is read and rewritten in this format on the first append.
import Foundation
import SFT

enum HistoryFile {
    /// Lines the up-arrow goes back through; the file is cut back to these when it grows past twice as many.
    static let limit = 2000
    static let libeditHeader = "_HiStOrY_V2_"

    /// The file's text; empty when it is missing, not a regular file (a FIFO would block) or past 64 MiB.
    static func text(_ url: URL) -> String {
        guard let data = try? RegularFile.read(url.path, limit: 64 << 20, what: "history file") else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The commands in the file, oldest first (empty when it is missing).
    static func read(_ url: URL) -> [String] {
        let text = text(url)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if lines.first == libeditHeader { lines = lines.dropFirst().map(unvis) }
        return Array(lines.suffix(limit))
    }

    /// Appends `lines` to the file under its lock.
    static func append(_ lines: [String], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileLock.with(url.path + ".lock", exclusive: true, wait: 5, what: "the history file") {
            let old = text(url)
            let oldLines = old.split(separator: "\n", omittingEmptySubsequences: true)
            if old.hasPrefix(libeditHeader + "\n") || oldLines.count + lines.count > 2 * limit {
                let kept = (read(url) + lines).suffix(limit)       // rewritten whole: libedit's format, or cut back
                try SFT.AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: url.path)
                return
            }
            // O_NONBLOCK: a FIFO in the file's place must not block the shell (it is refused just below)
            let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
            guard fd >= 0 else { throw SFTError("cannot write the history file", hint: "check permissions on $SFT_HOME", file: url.path) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw SFTError("cannot stat the history file", file: url.path) }
            try RegularFile.require(st, url.path)
            let bytes = Array(((old.isEmpty || old.hasSuffix("\n") ? "" : "\n") + lines.map { $0 + "\n" }.joined()).utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw SFTError("cannot write the history file", hint: "is the disk full?", file: url.path) }
                off += n
            }
        }
    }

    /// libedit's encoding undone: `\ooo` octal bytes and `\\`.
    static func unvis(_ s: String) -> String {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        func octal(_ c: UInt8) -> Bool { c >= 48 && c <= 55 }
        while i < b.count {
            if b[i] == 92, i + 3 < b.count, octal(b[i + 1]), octal(b[i + 2]), octal(b[i + 3]) {
                out.append(UInt8(truncatingIfNeeded: (Int(b[i + 1]) - 48) * 64 + (Int(b[i + 2]) - 48) * 8 + (Int(b[i + 3]) - 48)))
                i += 4
            } else if b[i] == 92, i + 1 < b.count {
                out.append(b[i + 1]); i += 2
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
