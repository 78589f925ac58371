// RepoEntries: adapters and full weights in and out of the local Repository. An adapter entry holds the PEFT
// files as two blobs (roles `adapter_config`, `adapter`); a full entry holds model.safetensors + config.json
// (roles `weights`, `config`). Loading verifies every blob's hash first and names the damaged file; nothing
// is built until the bytes are known good. Identities (what the manifest records about the base model,
// tokenizer and datasets) are computed here too: ModelIdentity caches the base file's hash per path + size + mtime.
// Training state (step, metrics, optimizer moments) comes from `SaveSource`, which the trainer fills.
import Foundation

/// What the training loop adds to a saved entry. Empty until the trainer fills it.
public struct SaveSource: Sendable {
    public var step: Int?
    public var metrics: [String: Double]
    /// Extra files to store by role, e.g. `optimizer` -> a safetensors of Adam moments (for exact resume).
    public var files: [String: URL]
    public var extra: [String: RepoValue]
    public init(step: Int? = nil, metrics: [String: Double] = [:], files: [String: URL] = [:], extra: [String: RepoValue] = [:]) {
        self.step = step
        self.metrics = metrics
        self.files = files
        self.extra = extra
    }
}

public enum RepoEntries {
    public static let safetensorsType = "application/safetensors"
    public static let jsonType = "application/json"

    /// Stores the adapter's PEFT files as blobs and saves `manifest` (kind adapter) under `name`.
    @discardableResult
    public static func saveAdapter(_ lora: LoRA, repo: Repository, name: String, manifest: RepoManifest,
                                   source: SaveSource = SaveSource()) throws -> RepoManifest {
        let valid = try RepoName.validate(name)
        let dir = try scratch(repo)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LoRAIO.write(lora, directory: dir, baseModelName: manifest.baseModel?.name)
        var m = manifest
        m.kind = .adapter
        return try repo.writing {   // from the first blob to the manifest: gc in another process waits
            m.files["adapter_config"] = try repo.putBlob(file: dir + "/" + LoRAIO.configFile, mediaType: jsonType)
            m.files["adapter"] = try repo.putBlob(file: dir + "/" + LoRAIO.weightsFile, mediaType: safetensorsType)
            try addSource(source, to: &m, repo: repo)
            return try repo.saveEntry(valid, manifest: m)
        }
    }

    /// Stores full weights (model.safetensors fp32 + config.json) and saves `manifest` (kind full) under `name`.
    @discardableResult
    public static func saveFull(_ params: ParameterTensors, repo: Repository, name: String, manifest: RepoManifest,
                                source: SaveSource = SaveSource()) throws -> RepoManifest {
        let valid = try RepoName.validate(name)
        let dir = try scratch(repo)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try saveHFWeights(params, directory: dir)
        var m = manifest
        m.kind = .full
        return try repo.writing {
            m.files["weights"] = try repo.putBlob(file: dir + "/model.safetensors", mediaType: safetensorsType)
            m.files["config"] = try repo.putBlob(file: dir + "/config.json", mediaType: jsonType)
            try addSource(source, to: &m, repo: repo)
            return try repo.saveEntry(valid, manifest: m)
        }
    }

    /// Verifies every file of entry `name`, then reads its adapter for `model`.
    public static func loadAdapter(repo: Repository, name: String, model: ModelConfig) throws -> (LoRA, RepoManifest) {
        let m = try repo.verifyEntry(name)
        guard m.kind == .adapter, let cfg = m.files["adapter_config"], let w = m.files["adapter"] else {
            throw SFTError("entry '\(m.name)' is \(m.kind == .adapter ? "an" : "a") \(m.kind) entry, not an adapter",
                           hint: m.kind == .full ? "load it with `model load repo:\(m.name)`" : "`repo show \(m.name)` says what it holds")
        }
        let data = try repo.loadBlob(cfg.digest, verify: false)
        let lora = try LoRAIO.read(configData: data, configPath: repo.blobPath(cfg.digest) + " (adapter_config.json of '\(m.name)')",
                                   weightsPath: repo.blobPath(w.digest), model: model)
        return (lora, m)
    }

    /// Verifies every file of full entry `name` (unless the caller just did), then copies its weights into `params` (same config required).
    /// On error `params` may be partly written: pass a fresh ParameterTensors, not the live model's.
    public static func loadFull(repo: Repository, name: String, into params: ParameterTensors, verify: Bool = true) throws -> RepoManifest {
        let m = verify ? try repo.verifyEntry(name) : try repo.entry(name)
        guard m.kind == .full, let w = m.files["weights"] else {
            throw SFTError("entry '\(m.name)' is \(m.kind == .adapter ? "an" : "a") \(m.kind) entry, not full weights",
                           hint: m.kind == .adapter ? "load it with `lora load repo:\(m.name)`" : "`repo show \(m.name)` says what it holds")
        }
        let path = repo.blobPath(w.digest)
        let st = try SafetensorsFile(path: path)
        for slot in weightSlots(params) {
            let info = try st.info(slot.hfName)
            if info.shape != slot.shape { throw shapeMismatch(slot.hfName, expected: slot.shape, actual: info.shape, file: path) }
            try st.read(slot.hfName, into: slot.view.ptr, count: slot.view.count)
        }
        return m
    }

    private static func addSource(_ s: SaveSource, to m: inout RepoManifest, repo: Repository) throws {
        if let step = s.step { m.step = step }
        m.metrics.merge(s.metrics) { $1 }
        m.extra.merge(s.extra) { $1 }
        for (role, url) in s.files.sorted(by: { $0.key < $1.key }) {
            m.files[role] = try repo.putBlob(file: url.path)
        }
    }

    private static func scratch(_ repo: Repository) throws -> String {
        let dir = repo.temporaryDirectory + "/export-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
        try AtomicFile.makeDirectory(dir)
        return dir
    }
}

/// sha256 identities for manifests: the base model file, the tokenizer, a dataset.
public enum ModelIdentity {
    nonisolated(unsafe) private static var cache: [String: String] = [:]
    private static let lock = NSLock()

    /// `sha256:<hex>` of the model's weights: the GGUF file, or an HF directory's *.safetensors in name order.
    /// Cached per path, size and modification time (hashing 100 MB takes ~0.3 s).
    public static func weightsHash(path: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SFTError("no such file or directory", file: path)
        }
        let files = isDir.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".safetensors") }.sorted().map { path + "/" + $0 }
            : [path]
        var key = ""
        for f in files {
            let a = try FileManager.default.attributesOfItem(atPath: f)
            key += "\(f)|\((a[.size] as? NSNumber)?.int64Value ?? -1)|\((a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0);"
        }
        lock.lock()
        let hit = cache[key]
        lock.unlock()
        if let hit { return hit }
        let hex: String
        if files.count == 1 { hex = try SHA256.hash(file: files[0]).hex } else {
            var h = SHA256()
            for f in files { h.update(try SHA256.hash(file: f).hex) }
            hex = h.finalizeHex()
        }
        lock.lock()
        cache[key] = "sha256:" + hex
        lock.unlock()
        return "sha256:" + hex
    }

    /// `sha256:<hex>` of the tokenizer: the GGUF's token list and merges, or the HF directory's tokenizer.json.
    public static func tokenizerHash(modelPath path: String) throws -> String {
        var isDir: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        if isDir.boolValue { return "sha256:" + (try SHA256.hash(file: path + "/tokenizer.json").hex) }
        let g = try GGUFFile(path: path)
        var h = SHA256()
        for key in ["tokenizer.ggml.tokens", "tokenizer.ggml.merges"] {
            for s in g.stringArray(key) ?? [] { h.update(s); h.update([0]) }
            h.update([1])
        }
        return "sha256:" + h.finalizeHex()
    }

    /// `sha256:<hex>` of a dataset's messages-JSONL serialisation (what `data save` writes).
    public static func datasetHash(_ conversations: [Conversation]) -> String {
        var h = SHA256()
        var b: [UInt8] = []
        for c in conversations {
            b.removeAll(keepingCapacity: true)
            DatasetWriter.appendJSONLine(&b, c)
            b.append(0x0A)
            h.update(b)
        }
        return "sha256:" + h.finalizeHex()
    }
}
