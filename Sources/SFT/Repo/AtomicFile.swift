// Crash-safe file writing for all of sft (repository, sessions, dataset saves): write a temporary file in
// the same file system, fsync it, rename it over the target, fsync the directory. A reader (or a restart
// after kill -9 or power loss) sees either the old file or the complete new one, never a torn one.
// Plain POSIX calls only, so the rules are visible: no Foundation file APIs with their own buffering.
import Foundation

public enum AtomicFile {
    /// Replaces `path` with `data` atomically. The temporary file lives next to the target.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { try $0.write(data) }
    }

    /// Text variant (sessions, SVG plots).
    public static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url.path) }

    /// Streaming variant: `body` writes through the writer; the file appears at `path` only if `body`
    /// returns without throwing. On a throw the temporary file is removed and the old file is untouched.
    public static func write(to path: String, _ body: (AtomicFileWriter) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let writer = try AtomicFileWriter(temporaryIn: dir.isEmpty ? "." : dir,
                                          prefix: "." + (path as NSString).lastPathComponent)
        do {
            try body(writer)
            try writer.commit(to: path)
        } catch {
            writer.abort()
            throw error
        }
    }

    /// fsync of a directory, so a rename or unlink inside it survives a crash.
    public static func syncDirectory(_ dir: String) throws {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open directory", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw posixError("cannot sync directory", dir) }
    }

    /// Reads the file at `path` in 4 MiB chunks, handing each to `body`; returns the byte count.
    @discardableResult
    public static func readChunks(of path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open", path) }
        defer { close(fd) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { chunk.deallocate() }
        var size: Int64 = 0
        while true {
            let got = read(fd, chunk.baseAddress!, chunk.count)
            if got < 0 {
                if errno == EINTR { continue }
                throw posixError("cannot read", path)
            }
            if got == 0 { return size }
            try body(UnsafeRawBufferPointer(rebasing: chunk[0..<got]))
            size += Int64(got)
        }
    }

    /// Creates `dir` and its parents (mode 0755) if missing.
    public static func makeDirectory(_ dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw SFTError("cannot create directory: \(error.localizedDescription)",
                           hint: "check that the parent exists and is writable", file: dir)
        }
    }

    /// Removes temporary files (`*.tmp-<pid>-<n>`) in `dir` whose writing process no longer runs, e.g. after
    /// a kill -9; returns how many. Other files are left alone. For directories the shell writes sessions into.
    @discardableResult
    public static func removeStaleTemporaryFiles(in dir: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        var removed = 0
        for name in names where isTemporaryName(name) && !ownerAlive(temporaryName: name) {
            if unlink(dir + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// True for names AtomicFileWriter makes: `<prefix>.tmp-<pid>-<random>`.
    static func isTemporaryName(_ name: String) -> Bool { ownerPID(name) != nil }

    /// False if the process that made this temporary file no longer runs (or the name has no pid).
    static func ownerAlive(temporaryName name: String) -> Bool {
        guard let pid = ownerPID(name) else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The pid in `<prefix>.tmp-<pid>-<n>` (files) or `<word>-<pid>-<n>` (scratch directories such as
    /// `export-<pid>-<n>`, `state-<pid>-<n>`).
    private static func ownerPID(_ name: String) -> Int32? {
        let tail: Substring
        if let r = name.range(of: ".tmp-", options: .backwards) { tail = name[r.upperBound...] }
        else if let r = name.firstIndex(of: "-"), name[..<r].allSatisfy(\.isLetter) { tail = name[name.index(after: r)...] }
        else { return nil }
        let parts = tail.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, UInt64(parts[1]) != nil else { return nil }
        return pid
    }

    /// Throws the folder error now when the folder `path` would be written into is missing or not a folder, so a
    /// long export fails before its work instead of after it.
    public static func checkFolder(of path: String) throws {
        let d = (path as NSString).deletingLastPathComponent
        let dir = d.isEmpty ? "." : d
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) { throw folderError(dir, ENOENT) }
        if !isDir.boolValue { throw folderError(dir, ENOTDIR) }
    }

    /// Why nothing can be written into `dir`, in terms of the folder a person named (never the temporary
    /// file's name): "folder out does not exist", "out is a file, not a folder", or the system's reason.
    static func folderError(_ dir: String, _ code: Int32) -> SFTError {
        switch code {
        case ENOENT:
            return SFTError("folder \(dir) does not exist", hint: "create it first (mkdir -p \(dir)), or write somewhere else")
        case ENOTDIR:
            return SFTError("\(dir) is not a folder", hint: "write into a folder, e.g. ./\((dir as NSString).lastPathComponent)-out/")
        default:
            var e = posixError("cannot write into folder \(dir)", dir, code)
            e.file = nil
            return e
        }
    }

    static func posixError(_ what: String, _ path: String, _ code: Int32 = errno) -> SFTError {
        let hint: String? = switch code {
        case ENOSPC, EDQUOT: "the disk is full; free space (`repo gc` removes unused blobs) and try again"
        case EFBIG: "the file is larger than this process may write (ulimit -f) or the file system allows"
        case EACCES, EPERM, EROFS: "check the permissions of the directory"
        default: nil
        }
        return SFTError("\(what): \(String(cString: strerror(code)))", hint: hint, file: path)
    }
}

/// A temporary file being written; `commit(to:)` moves it into place, `abort()` (or deinit) removes it.
/// Writes are buffered (1 MiB). `onWrite`, if set, sees every byte in order, e.g. to hash while writing.
public final class AtomicFileWriter {
    /// Path of the temporary file: `<dir>/<prefix>.tmp-<pid>-<random>`.
    public let temporaryPath: String
    /// The folder being written into: what errors name (a person never sees the temporary name).
    public var directory: String { (temporaryPath as NSString).deletingLastPathComponent }
    public private(set) var bytesWritten: Int64 = 0
    public var onWrite: ((UnsafeRawBufferPointer) -> Void)?

    private var fd: Int32
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    private var buffered = 0
    private var finished = false

    public init(temporaryIn dir: String, prefix: String) throws {
        var path = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            path = dir + "/" + prefix + ".tmp-\(getpid())-\(UInt64.random(in: 0..<UInt64.max) % 1_000_000_000_000)"
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            let code = errno
            buffer.deallocate()
            throw AtomicFile.folderError(dir, code)
        }
        self.fd = fd
        temporaryPath = path
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    deinit {
        abort()
        buffer.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after commit/abort")
        guard bytes.count > 0 else { return }
        onWrite?(bytes)
        bytesWritten += Int64(bytes.count)
        if buffered + bytes.count <= buffer.count {
            (buffer.baseAddress! + buffered).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            buffered += bytes.count
            return
        }
        try flush()
        if bytes.count >= buffer.count {
            try writeAll(bytes)
        } else {
            buffer.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            buffered = bytes.count
        }
    }

    public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }
    public func write(_ string: String) throws { try write(Data(string.utf8)) }

    /// fsync, close, rename onto `path`, fsync the target's directory (and the temporary's, if different).
    public func commit(to path: String) throws {
        precondition(!finished, "commit twice")
        do {
            try flush()
            guard fsync(fd) == 0 else { throw AtomicFile.posixError("cannot sync the new file", path) }
            let closed = close(fd)
            fd = -1
            guard closed == 0 else { throw AtomicFile.posixError("cannot close the new file", path) }
            guard rename(temporaryPath, path) == 0 else { throw AtomicFile.posixError("cannot rename into place", path) }
            finished = true
        } catch {
            abort()
            throw error
        }
        let dir = (path as NSString).deletingLastPathComponent
        try AtomicFile.syncDirectory(dir)
        let tmpDir = (temporaryPath as NSString).deletingLastPathComponent
        if tmpDir != dir { try AtomicFile.syncDirectory(tmpDir) }
    }

    /// Closes and removes the temporary file; a no-op after commit.
    public func abort() {
        if fd >= 0 { close(fd); fd = -1 }
        if !finished { unlink(temporaryPath) }
        finished = true
    }

    private func flush() throws {
        guard buffered > 0 else { return }
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        buffered = 0
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = posixWrite(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.posixError("cannot write", directory)
            }
            off += n
        }
    }
}

/// The C `write`, reachable by this name inside types that have their own `write` methods.
func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
