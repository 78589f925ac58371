// Advisory locks (flock) between sft processes sharing one $SFT_HOME. Writers of the repository hold a shared
// lock while they store blobs and name them in a manifest; `repo gc` takes it exclusively, so it never removes a
// blob a concurrent save has written but not yet referenced. Session saves take the sessions lock exclusively.
// The kernel drops a flock when its process dies (kill -9 included), so no lock outlives its owner.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum FileLock {
    /// Runs `body` holding a flock on `path` (created if missing). Waits up to `wait` seconds for a conflicting
    /// holder, then throws an error naming `what`.
    public static func with<T>(_ path: String, exclusive: Bool, wait: Double = 60, what: String,
                               _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.posixError("cannot open the lock file", path) }
        defer { close(fd) }   // closing the descriptor releases the lock
        let op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
        let deadline = Date().addingTimeInterval(wait)
        while flock(fd, op) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw AtomicFile.posixError("cannot lock", path) }
            if Date() > deadline || Cancellation.requested {
                throw SFTError("\(what): another sft process is using it (waited \(Int(wait)) s)",
                               hint: "wait for the other process's save or gc to finish, then try again", file: path)
            }
            usleep(20_000)
        }
        return try body()
    }
}
