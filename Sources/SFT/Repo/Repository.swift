// The local repository ($SFT_HOME/repo): content-addressed blobs plus small JSON manifests, like Ollama's
// and the Hugging Face cache's stores.
//
//   <root>/blobs/sha256/<64 hex>    file bytes, stored once however many entries use them
//   <root>/manifests/<name>.json    one RepoManifest per entry
//   <root>/tmp/                     in-flight writes; leftovers of killed processes are removed by gc
//
// Crash safety comes from ordering: every blob is written to tmp/, fsynced and renamed into place (and its
// directory fsynced) before the manifest that names it is written the same way. A kill at any moment leaves
// the old entry or the complete new one; at worst a temporary file or an unreferenced blob, which gc removes.
// Two processes may share the repository: writers hold a shared flock on <root>/lock from their first blob to
// their manifest (`writing`), gc holds it exclusively, so gc never sees a blob that a save has stored but not yet
// named. Temporaries in tmp/ carry their writer's pid (`blob.tmp-<pid>-<n>`, `export-<pid>-<n>/`); gc removes
// those whose process is gone, or that are a day old.
import Foundation

/// One line of `repo list`. `problem` is set (and the other fields may be nil) when the manifest is unreadable.
public struct RepoEntrySummary: Equatable, Sendable {
    public var name: String
    public var kind: RepoEntryKind?
    public var created: String?
    public var description: String?
    public var parent: String?
    public var baseModel: String?
    public var step: Int?
    public var fileCount: Int
    public var size: Int64
    public var problem: String?
    public init(name: String, kind: RepoEntryKind? = nil, created: String? = nil, description: String? = nil,
                parent: String? = nil, baseModel: String? = nil, step: Int? = nil, fileCount: Int = 0, size: Int64 = 0,
                problem: String? = nil) {
        self.name = name
        self.kind = kind
        self.created = created
        self.description = description
        self.parent = parent
        self.baseModel = baseModel
        self.step = step
        self.fileCount = fileCount
        self.size = size
        self.problem = problem
    }
}

public struct RepoGCResult: Equatable, Sendable {
    public var removedBlobs: Int
    public var freedBytes: Int64           // blobs and temporaries together
    public var removedTemporaryFiles: Int  // files and directories in tmp/
    public var temporaryBytes: Int64 = 0   // of freedBytes, what the temporaries held
    public init(removedBlobs: Int, freedBytes: Int64, removedTemporaryFiles: Int, temporaryBytes: Int64 = 0) {
        self.removedBlobs = removedBlobs
        self.freedBytes = freedBytes
        self.removedTemporaryFiles = removedTemporaryFiles
        self.temporaryBytes = temporaryBytes
    }
}

public struct Repository: Sendable {
    public let root: String
    public var blobsDirectory: String { root + "/blobs/sha256" }
    public var manifestsDirectory: String { root + "/manifests" }
    public var temporaryDirectory: String { root + "/tmp" }
    public var lockPath: String { root + "/lock" }

    /// Runs `body` as a writer: a save that stores blobs and then names them holds this from first to last, so
    /// a concurrent `repo gc` waits instead of removing blobs not yet referenced.
    public func writing<T>(_ body: () throws -> T) throws -> T {
        try FileLock.with(lockPath, exclusive: false, what: "the repository at \(root)", body)
    }

    /// Opens the repository at `root`, creating its directories if missing.
    public init(root: String) throws {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        for dir in [blobsDirectory, manifestsDirectory, temporaryDirectory] { try AtomicFile.makeDirectory(dir) }
    }

    // MARK: blobs

    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.hex }

    public func hasBlob(_ digest: Digest) -> Bool { fileSize(blobPath(digest)) != nil }

    /// Stores `data` (once: if an intact blob with these bytes exists, nothing is written).
    @discardableResult
    public func putBlob(_ data: Data, mediaType: String = "application/octet-stream") throws -> RepoFile {
        try writing {
            let digest = Digest(SHA256.hash(data))!
            let file = RepoFile(digest: digest, size: Int64(data.count), mediaType: mediaType)
            if existingBlobIsIntact(digest) { return file }
            let writer = try AtomicFileWriter(temporaryIn: temporaryDirectory, prefix: "blob")
            try writer.write(data)
            try writer.commit(to: blobPath(digest))
            return file
        }
    }

    /// Copies the file at `path` into the repository, hashing while copying.
    @discardableResult
    public func putBlob(file path: String, mediaType: String = "application/octet-stream") throws -> RepoFile {
        try putBlob(mediaType: mediaType) { w in try AtomicFile.readChunks(of: path) { try w.write($0) } }
    }

    /// Streaming: `body` writes the bytes (e.g. a safetensors file tensor by tensor); the digest is computed
    /// on the way. If `body` throws, nothing is stored.
    @discardableResult
    public func putBlob(mediaType: String = "application/octet-stream",
                        _ body: (AtomicFileWriter) throws -> Void) throws -> RepoFile {
        try writing { try putBlobUnlocked(mediaType: mediaType, body) }
    }

    private func putBlobUnlocked(mediaType: String, _ body: (AtomicFileWriter) throws -> Void) throws -> RepoFile {
        let writer = try AtomicFileWriter(temporaryIn: temporaryDirectory, prefix: "blob")
        var hasher = SHA256()
        writer.onWrite = { hasher.update($0) }
        do { try body(writer) } catch {
            writer.abort()
            throw error
        }
        let digest = Digest(hasher.finalizeHex())!
        let file = RepoFile(digest: digest, size: writer.bytesWritten, mediaType: mediaType)
        if existingBlobIsIntact(digest) {
            writer.abort()
            return file
        }
        try writer.commit(to: blobPath(digest))
        return file
    }

    /// Re-hashes the blob. A missing or damaged blob throws an error naming the file and the entries using it.
    public func verifyBlob(_ digest: Digest) throws {
        if let problem = try blobProblem(digest, expectedSize: nil) {
            let users = entriesUsing(digest)
            let hint = users.isEmpty
                ? "no entry uses it; `repo gc` removes it"
                : "used by \(users.map { "'\($0)'" }.joined(separator: ", ")); save again or `repo rm` them, then `repo gc`"
            throw SFTError("blob \(digest.short) \(problem)", hint: hint, file: blobPath(digest))
        }
    }

    /// The blob's bytes, memory-mapped; with `verify` the bytes are re-hashed first.
    public func loadBlob(_ digest: Digest, verify: Bool = true) throws -> Data {
        let path = blobPath(digest)
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SFTError("blob \(digest.short) is missing or unreadable", hint: entriesHint(digest), file: path)
        }
        if verify {
            let actual = SHA256.hash(data)
            guard actual == digest.hex else {
                throw SFTError("blob \(digest.short) is damaged: its bytes hash to sha256:\(actual.prefix(12))",
                               hint: entriesHint(digest), file: path)
            }
        }
        return data
    }

    // MARK: entries

    public func manifestPath(_ name: String) throws -> String {
        manifestsDirectory + "/" + (try RepoName.validate(name)) + ".json"
    }

    public func contains(_ name: String) -> Bool {
        guard let path = try? manifestPath(name) else { return false }
        return fileSize(path) != nil
    }

    /// Writes the manifest atomically, replacing any entry of that name. Every file it names must already be
    /// stored (putBlob first), so the manifest is always the last thing written. Returns what was stored.
    @discardableResult
    public func saveEntry(_ name: String, manifest: RepoManifest) throws -> RepoManifest {
        try writing { try saveEntryUnlocked(name, manifest: manifest) }
    }

    private func saveEntryUnlocked(_ name: String, manifest: RepoManifest) throws -> RepoManifest {
        let path = try manifestPath(name)
        var m = manifest
        m.name = try RepoName.validate(name)
        m.version = RepoManifest.currentVersion
        for role in m.files.keys.sorted() {
            let f = m.files[role]!
            guard let size = fileSize(blobPath(f.digest)) else {
                throw SFTError("cannot save '\(m.name)': file '\(role)' (\(f.digest.short)) is not in the repository",
                               hint: "store the bytes with putBlob before saving the manifest")
            }
            guard size == f.size else {
                throw SFTError("cannot save '\(m.name)': file '\(role)' says \(f.size) bytes but blob \(f.digest.short) has \(size)",
                               file: blobPath(f.digest))
            }
        }
        let writer = try AtomicFileWriter(temporaryIn: temporaryDirectory, prefix: "manifest")
        try writer.write(try m.jsonData())
        try writer.commit(to: path)
        return m
    }

    public func entry(_ name: String) throws -> RepoManifest {
        let valid = try RepoName.validate(name)
        guard contains(valid) else { throw noEntry(name) }
        return try readManifest(valid)
    }

    /// Loads the entry and re-hashes every file it names; the error names the entry, the role and the blob.
    @discardableResult
    public func verifyEntry(_ name: String) throws -> RepoManifest {
        let m = try entry(name)
        for role in m.files.keys.sorted() {
            let f = m.files[role]!
            if let problem = try blobProblem(f.digest, expectedSize: f.size) {
                throw SFTError("entry '\(m.name)': file '\(role)' (blob \(f.digest.short)) \(problem)",
                               hint: "save the entry again, or `repo rm \(m.name)` and `repo gc`", file: blobPath(f.digest))
            }
        }
        return m
    }

    /// All entries, sorted by name; unreadable manifests are listed with `problem` set.
    public func list() throws -> [RepoEntrySummary] {
        try manifestNames().map { name in
            do {
                let m = try readManifest(name)
                return RepoEntrySummary(name: name, kind: m.kind, created: m.created, description: m.description,
                                        parent: m.parent, baseModel: m.baseModel?.name, step: m.step,
                                        fileCount: m.files.count, size: m.totalSize, problem: nil)
            } catch {
                return RepoEntrySummary(name: name, fileCount: 0, size: 0, problem: "\(error)")
            }
        }
    }

    /// Removes the entry's manifest; its blobs stay until `gc`.
    public func remove(_ name: String) throws {
        let path = try manifestPath(name)
        guard unlink(path) == 0 else {
            if errno == ENOENT { throw noEntry(name) }
            throw AtomicFile.posixError("cannot remove", path)
        }
        try AtomicFile.syncDirectory(manifestsDirectory)
    }

    // MARK: garbage collection

    /// Removes blobs no manifest references (if at least `minimumAge` seconds old) and temporaries left by
    /// processes that are gone. Refuses to run while any manifest is unreadable, since its blobs are unknown.
    /// Holds the repository lock exclusively: saves in other processes wait (and gc waits for them).
    public func gc(minimumAge: TimeInterval = 0) throws -> RepoGCResult {
        try FileLock.with(lockPath, exclusive: true, what: "repo gc", { try gcLocked(minimumAge: minimumAge, dryRun: false) })
    }

    /// What `gc` would free now (unreferenced blobs and stale temporaries), without removing anything or locking.
    public func reclaimable() -> RepoGCResult? {
        try? gcLocked(minimumAge: 0, dryRun: true)
    }

    private func gcLocked(minimumAge: TimeInterval, dryRun: Bool) throws -> RepoGCResult {
        var referenced = Set<Digest>()
        for name in try manifestNames() {
            do { try readManifest(name).files.values.forEach { referenced.insert($0.digest) } } catch {
                throw SFTError("gc stopped: manifest of '\(name)' is unreadable, so its blobs are unknown",
                               hint: "fix or `repo rm \(name)`, then run gc again", file: manifestsDirectory + "/" + name + ".json")
            }
        }
        var result = RepoGCResult(removedBlobs: 0, freedBytes: 0, removedTemporaryFiles: 0)
        let now = Date().timeIntervalSince1970
        for file in try directoryEntries(blobsDirectory) {
            guard let digest = Digest(file), !referenced.contains(digest) else { continue }  // foreign files stay
            let path = blobsDirectory + "/" + file
            var st = stat()
            guard stat(path, &st) == 0, now - Double(st.st_mtim.tv_sec) >= minimumAge else { continue }
            if dryRun || unlink(path) == 0 {
                result.removedBlobs += 1
                result.freedBytes += Int64(st.st_size)
            }
        }
        for file in try directoryEntries(temporaryDirectory) {
            let path = temporaryDirectory + "/" + file
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let old = now - Double(st.st_mtim.tv_sec) > 24 * 3600
            guard old || !AtomicFile.ownerAlive(temporaryName: file) else { continue }
            let bytes = Self.treeSize(path)
            if dryRun || (try? FileManager.default.removeItem(atPath: path)) != nil {
                result.removedTemporaryFiles += 1
                result.temporaryBytes += bytes
                result.freedBytes += bytes
            }
        }
        if !dryRun {
            try AtomicFile.syncDirectory(blobsDirectory)
            try AtomicFile.syncDirectory(temporaryDirectory)
        }
        return result
    }

    /// Bytes of the file, or of every file under the directory (symlinks not followed).
    static func treeSize(_ path: String) -> Int64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return Int64(st.st_size) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.reduce(0) { $0 + treeSize(path + "/" + $1) }
    }

    // MARK: helpers

    private func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(st.st_size)
    }

    /// nil if the blob exists, has `expectedSize` (when given) and hashes to its name; else what is wrong.
    private func blobProblem(_ digest: Digest, expectedSize: Int64?) throws -> String? {
        let path = blobPath(digest)
        guard let size = fileSize(path) else { return "is missing" }
        if let expectedSize, size != expectedSize { return "has \(size) bytes, expected \(expectedSize)" }
        let (hex, _) = try SHA256.hash(file: path)
        return hex == digest.hex ? nil : "is damaged: its bytes hash to sha256:\(hex.prefix(12))"
    }

    /// True if an intact copy is stored (its mtime is refreshed, for gc's minimumAge); a damaged copy is
    /// reported false so the caller overwrites it with good bytes.
    private func existingBlobIsIntact(_ digest: Digest) -> Bool {
        guard (try? blobProblem(digest, expectedSize: nil)) == .some(nil) else { return false }
        utimes(blobPath(digest), nil)
        return true
    }

    private func entriesUsing(_ digest: Digest) -> [String] {
        ((try? manifestNames()) ?? []).filter { name in
            (try? readManifest(name))?.files.values.contains { $0.digest == digest } ?? false
        }
    }

    private func entriesHint(_ digest: Digest) -> String {
        let users = entriesUsing(digest)
        return users.isEmpty ? "no entry uses it" : "used by \(users.map { "'\($0)'" }.joined(separator: ", ")); save again or `repo rm` them"
    }

    /// Reads and parses `manifests/<name>.json` for a name from `manifestNames()` or validated; the file
    /// name is the entry's name, whatever the JSON says.
    private func readManifest(_ name: String) throws -> RepoManifest {
        let path = manifestsDirectory + "/" + name + ".json"
        let data = try RegularFile.read(path, limit: Int64(RepoManifest.maxFileBytes), what: "manifest")
        var m = try RepoManifest.parse(data, path: path)
        m.name = name
        return m
    }

    private func noEntry(_ name: String) -> SFTError {
        SFTError("no entry named '\(name)' in the repository", hint: "`repo list` shows the saved entries")
    }

    /// Entry names: `manifests/*.json` without dot-files, sorted.
    private func manifestNames() throws -> [String] {
        try directoryEntries(manifestsDirectory)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    private func directoryEntries(_ dir: String) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw SFTError("cannot list directory: \(error.localizedDescription)", file: dir)
        }
    }
}
