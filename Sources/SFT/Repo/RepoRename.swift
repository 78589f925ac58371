// Repository.rename: `repo rename OLD NEW`. The entry keeps everything its manifest records (created,
// description, parent, files, metrics); entries that name OLD as their parent are pointed at NEW, so the
// lineage survives. Holds the repository lock exclusively (saves and gc in other processes wait), refuses an
// existing NEW, and writes in an order that never loses the entry: NEW's manifest first (atomic), then the
// children, then OLD's manifest is removed. A crash in between leaves both names on the same blobs, never none.
import Foundation

public struct RepoRenameResult: Sendable {
    public var manifest: RepoManifest
    /// Entries whose parent now names the new name.
    public var children: [String]
}

extension Repository {
    public func rename(_ old: String, to new: String) throws -> RepoRenameResult {
        let from = try RepoName.validate(old), to = try RepoName.validate(new)
        return try FileLock.with(lockPath, exclusive: true, what: "repo rename") {
            var m = try entry(from)
            if from == to { throw SFTError("'\(from)' is already called that", hint: "give a different new name") }
            if contains(to) {
                throw SFTError("an entry named '\(to)' already exists", hint: "pick another name, or `repo rm \(to)` first")
            }
            m.name = to
            try writeManifest(m, to: try manifestPath(to))
            var children: [String] = []
            for e in try list() where e.problem == nil && e.parent == from && e.name != to {
                var c = try entry(e.name)
                c.parent = to
                try writeManifest(c, to: try manifestPath(e.name))
                children.append(e.name)
            }
            let oldPath = try manifestPath(from)
            guard unlink(oldPath) == 0 else { throw AtomicFile.posixError("cannot remove", oldPath) }
            try AtomicFile.syncDirectory(manifestsDirectory)
            return RepoRenameResult(manifest: m, children: children)
        }
    }

    private func writeManifest(_ m: RepoManifest, to path: String) throws {
        let writer = try AtomicFileWriter(temporaryIn: temporaryDirectory, prefix: "manifest")
        try writer.write(try m.jsonData())
        try writer.commit(to: path)
    }
}
