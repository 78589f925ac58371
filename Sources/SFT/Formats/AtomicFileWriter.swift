// AtomicFileWriter: writes a file so readers see either the old file or the complete new one, never half:
// data goes to a temp file beside the target, then fsync, then rename over the target, then fsync of the
// directory. Used by the GGUF and safetensors writers for export.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

public final class AtomicFileWriter {
    public let path: String
    let tempPath: String
    var fd: Int32
    public private(set) var written = 0

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        tempPath = (dir.isEmpty ? "." : dir) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd < 0 {
            throw SFTError("cannot create file: \(String(cString: strerror(errno)))", hint: "check the directory exists and is writable", file: path)
        }
    }

    deinit { abort() }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var p = bytes.baseAddress, left = bytes.count
        while left > 0, let q = p {
            let n = posixWrite(fd, q, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw SFTError("write failed: \(String(cString: strerror(errno)))", hint: "is the disk full?", file: path)
            }
            p = q + n; left -= n; written += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// fsync, rename over the target, fsync the directory.
    public func commit() throws {
        guard fd >= 0 else { throw SFTError("file already committed or aborted", file: path) }
        if fsync(fd) != 0 { throw SFTError("fsync failed: \(String(cString: strerror(errno)))", file: path) }
        close(fd); fd = -1
        if rename(tempPath, path) != 0 {
            let e = String(cString: strerror(errno))
            unlink(tempPath)
            throw SFTError("cannot rename into place: \(e)", file: path)
        }
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Drops the temp file (called on error paths and by deinit if not committed).
    public func abort() {
        if fd >= 0 { close(fd); fd = -1; unlink(tempPath) }
    }
}
