// Where sft keeps its files: $SFT_HOME (default ~/.sft) holds `history`, `sessions/NAME.sft` and `repo/`.
// The model cache is ./cache (SFT_CACHE), owned by the Makefile and core, not here.
import Foundation
import SFT

public struct SFTPaths {
    public var home: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let h = environment["SFT_HOME"], !h.isEmpty {
            home = URL(fileURLWithPath: h)
        } else {
            home = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".sft")
        }
    }

    public var history: URL { home.appendingPathComponent("history") }
    public var sessions: URL { home.appendingPathComponent("sessions") }
    public var repo: URL { home.appendingPathComponent("repo") }

    /// Creates a directory (and parents) if missing.
    public func ensure(_ dir: URL) throws {
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw SFTError("cannot create \(dir.path): \(error.localizedDescription)",
                           hint: "check permissions, or point SFT_HOME at a writable directory")
        }
    }
}

/// Writes a file atomically: a temp file in the same directory, fsync, rename over the target.
public enum AtomicFile {
    public static func write(_ text: String, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp.\(getpid())")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw SFTError("cannot write \(tmp.path): \(String(cString: strerror(errno)))",
                           hint: "check that \(dir.path) exists and is writable")
        }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let msg = String(cString: strerror(errno))
                close(fd); unlink(tmp.path)
                throw SFTError("cannot write \(tmp.path): \(msg)", hint: "is the disk full?")
            }
            off += n
        }
        let ok = fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp.path, url.path) == 0 else {
            let msg = String(cString: strerror(errno))
            unlink(tmp.path)
            throw SFTError("cannot save \(url.path): \(msg)", hint: "check permissions on \(dir.path)")
        }
    }
}
