// Only regular files are read: a FIFO given as a model or dataset would block a read forever, a device
// (/dev/zero, /dev/urandom) never ends, and a directory is not a file. Each is refused by name before any read.
// `open` checks without blocking (O_NONBLOCK), then hands back a descriptor in blocking mode.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum RegularFile {
    /// Throws unless `st` describes a regular file; the message names what the path is instead.
    public static func require(_ st: stat, _ path: String) throws {
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a regular file"
        }
        throw SFTError("is \(kind), expected a regular file", hint: "give the path of a file on disk", file: path)
    }

    /// Throws unless `path` names a regular file (following symlinks); returns its size in bytes.
    @discardableResult
    public static func check(_ path: String) throws -> Int64 {
        let (fd, st) = try openRegular(path)
        close(fd)
        return Int64(st.st_size)
    }

    /// Opens `path` for reading without blocking (a FIFO cannot hang the open) and checks through the
    /// descriptor that it is a regular file; the caller closes the descriptor.
    private static func openRegular(_ path: String) throws -> (Int32, stat) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            throw SFTError(e == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(e)))",
                           hint: e == ENOENT ? "check the path" : "check its permissions", file: path)
        }
        var st = stat()
        do {
            if fstat(fd, &st) != 0 { throw SFTError("cannot stat file", file: path) }
            try require(st, path)
        } catch { close(fd); throw error }
        return (fd, st)
    }

    /// The whole file, after the regular-file check and a size limit (config.json, tokenizer.json, manifests:
    /// small files that a hostile copy could make huge). Read here in one loop from one descriptor, so a file
    /// that grows after the check still stops at the limit, and an empty file is an empty Data (Foundation's
    /// `contents(atPath:)` leaked its buffer on empty files under libFuzzer's leak check).
    public static func read(_ path: String, limit: Int64, what: String) throws -> Data {
        let (fd, st) = try openRegular(path)
        defer { close(fd) }
        func tooBig(_ n: Int64) -> SFTError {
            SFTError("\(what) is \(ByteCount.text(n)), more than the \(ByteCount.text(limit)) such a file can be",
                     hint: "this is not a \(what), or it is damaged", file: path)
        }
        if Int64(st.st_size) > limit { throw tooBig(Int64(st.st_size)) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        // one byte past the limit tells a file that grew since fstat
        let capacity = Int(min(Int64(st.st_size), limit)) + 1
        var data = Data(count: capacity)
        var used = 0
        while true {
            if used == data.count {
                if Int64(used) > limit { throw tooBig(Int64(used)) }
                data.count = min(Int(limit) + 1, max(used * 2, used + 4096))
            }
            let n = data.withUnsafeMutableBytes { buf in
                Glibc.read(fd, buf.baseAddress! + used, buf.count - used)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SFTError("cannot read the file: \(String(cString: strerror(errno)))", hint: "check the disk and its permissions", file: path)
            }
            if n == 0 { break }
            used += n
        }
        if Int64(used) > limit { throw tooBig(Int64(used)) }
        data.count = used
        return data
    }
}

/// Byte counts for messages, in the one style of `Format.size` ("41.0 GiB", "512.0 KiB").
public enum ByteCount {
    public static func text(_ n: Int64) -> String { Format.size(n) }
}
