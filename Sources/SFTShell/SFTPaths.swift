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
