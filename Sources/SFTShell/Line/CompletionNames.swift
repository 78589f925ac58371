// The names Tab offers besides commands, settings and paths: loaded datasets, repository entries, saved
// notebooks and the live run's checkpoints, read from the session before each line is edited (the completer
// itself keeps no state and touches no files but the folders it lists).
import Foundation
import SFT

public struct CompletionNames {
    public var datasets: [String] = []
    public var repoEntries: [String] = []
    public var notebooks: [String] = []
    public var checkpoints: Int = 0
    public init() {}
}

extension Session {
    /// What Tab can offer now. Reads two directory listings; never fails (a missing folder offers nothing).
    public func completionNames() -> CompletionNames {
        var n = CompletionNames()
        n.datasets = datasetNames
        let fm = FileManager.default
        n.repoEntries = ((try? fm.contentsOfDirectory(atPath: paths.repo.path + "/manifests")) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
        n.notebooks = ((try? fm.contentsOfDirectory(atPath: paths.sessions.path)) ?? [])
            .filter { $0.hasSuffix(".sft") && !$0.hasPrefix(".") }.map { String($0.dropLast(4)) }.sorted()
        n.checkpoints = run?.checkpoints.count ?? 0
        return n
    }
}
