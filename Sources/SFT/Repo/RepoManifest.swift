// What a repository entry records: a small JSON manifest naming its files by content digest, plus where it
// came from (base model, tokenizer, chat template, datasets, hyperparameters, step, metrics). Blobs hold the
// bytes; manifests hold everything a person reads in `repo show`. Missing fields decode to their defaults, so
// older manifests keep loading; a manifest with a newer `version` is refused with a hint.
import Foundation

/// A sha256 content digest, written `sha256:<64 lowercase hex>` in manifests. Parsing checks the form, so a
/// digest read from a file can never name a path outside `blobs/sha256/`.
public struct Digest: Hashable, Comparable, Codable, CustomStringConvertible, Sendable {
    public let hex: String

    /// Accepts `sha256:<hex>` or a bare 64-digit hex string; nil for anything else.
    public init?(_ text: String) {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            return nil
        }
        self.hex = hex
    }

    public var description: String { "sha256:" + hex }
    /// `sha256:` and the first 12 hex digits, for tables.
    public var short: String { "sha256:" + hex.prefix(12) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = Digest(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a sha256 digest: \(text.prefix(80))"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// One file of an entry: its blob, byte count and media type (e.g. `application/safetensors`).
public struct RepoFile: Codable, Equatable, Hashable, Sendable {
    public var digest: Digest
    public var size: Int64
    public var mediaType: String
    public init(digest: Digest, size: Int64, mediaType: String = "application/octet-stream") {
        self.digest = digest
        self.size = size
        self.mediaType = mediaType
    }
}

/// What kind of entry: adapter, full, merged, or another word a later feature adds (kept as written).
public struct RepoEntryKind: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static let adapter = RepoEntryKind("adapter")
    public static let full = RepoEntryKind("full")
    public static let merged = RepoEntryKind("merged")
    public var description: String { rawValue }

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// Any JSON value, for hyperparameters and `extra`.
public enum RepoValue: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    case string(String), int(Int), double(Double), bool(Bool), array([RepoValue]), object([String: RepoValue]), null

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([RepoValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: RepoValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\($0): \(o[$0]!)" }.joined(separator: ", ") + "}"
        case .null: "null"
        }
    }
}

public struct RepoBaseModel: Codable, Equatable, Sendable {
    public var name: String
    /// Hash of the base weights file (`sha256:...` or whatever identity the loader computes).
    public var hash: String?
    public init(name: String, hash: String? = nil) {
        self.name = name
        self.hash = hash
    }
}

public struct RepoDatasetRef: Codable, Equatable, Sendable {
    public var name: String
    public var hash: String?
    public var samples: Int?
    public init(name: String, hash: String? = nil, samples: Int? = nil) {
        self.name = name
        self.hash = hash
        self.samples = samples
    }
}

public struct RepoManifest: Codable, Equatable, Sendable {
    public static let currentVersion = 1

    public var version: Int
    public var name: String
    public var kind: RepoEntryKind
    public var description: String
    /// ISO 8601 UTC, e.g. `2026-11-23T19:40:00Z`.
    public var created: String
    /// The entry this one continues from (e.g. an adapter trained further), if any.
    public var parent: String?
    /// Files by role (`adapter`, `weights`, `config`, `optimizer`, ...).
    public var files: [String: RepoFile]
    public var baseModel: RepoBaseModel?
    public var tokenizerHash: String?
    /// Chat template kind, e.g. `chatml`.
    public var template: String?
    public var datasets: [RepoDatasetRef]
    public var hyperparameters: [String: RepoValue]
    public var step: Int?
    public var metrics: [String: Double]
    public var extra: [String: RepoValue]

    public init(name: String, kind: RepoEntryKind, description: String = "", created: String = RepoManifest.now(),
                parent: String? = nil, files: [String: RepoFile] = [:], baseModel: RepoBaseModel? = nil,
                tokenizerHash: String? = nil, template: String? = nil, datasets: [RepoDatasetRef] = [],
                hyperparameters: [String: RepoValue] = [:], step: Int? = nil, metrics: [String: Double] = [:],
                extra: [String: RepoValue] = [:]) {
        version = RepoManifest.currentVersion
        self.name = name
        self.kind = kind
        self.description = description
        self.created = created
        self.parent = parent
        self.files = files
        self.baseModel = baseModel
        self.tokenizerHash = tokenizerHash
        self.template = template
        self.datasets = datasets
        self.hyperparameters = hyperparameters
        self.step = step
        self.metrics = metrics
        self.extra = extra
    }

    /// The current time as ISO 8601 UTC, seconds precision.
    public static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Total bytes of all files (a blob shared by two roles counts twice).
    public var totalSize: Int64 { files.values.reduce(0) { $0 + $1.size } }

    enum CodingKeys: String, CodingKey {
        case version, name, kind, description, created, parent, files, baseModel, tokenizerHash, template, datasets
        case hyperparameters, step, metrics, extra
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(RepoEntryKind.self, forKey: .kind)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        // A description is a line or two; a huge one (a hand-edited or hostile manifest) is cut for display.
        if description.utf8.count > Self.maxDescriptionBytes {
            description = String(decoding: description.utf8.prefix(Self.maxDescriptionBytes), as: UTF8.self) + " [cut]"
        }
        created = try c.decodeIfPresent(String.self, forKey: .created) ?? ""
        parent = try c.decodeIfPresent(String.self, forKey: .parent)
        files = try c.decodeIfPresent([String: RepoFile].self, forKey: .files) ?? [:]
        baseModel = try c.decodeIfPresent(RepoBaseModel.self, forKey: .baseModel)
        tokenizerHash = try c.decodeIfPresent(String.self, forKey: .tokenizerHash)
        template = try c.decodeIfPresent(String.self, forKey: .template)
        datasets = try c.decodeIfPresent([RepoDatasetRef].self, forKey: .datasets) ?? []
        hyperparameters = try c.decodeIfPresent([String: RepoValue].self, forKey: .hyperparameters) ?? [:]
        step = try c.decodeIfPresent(Int.self, forKey: .step)
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
        extra = try c.decodeIfPresent([String: RepoValue].self, forKey: .extra) ?? [:]
    }

    /// Pretty JSON with sorted keys, so manifests diff well. Non-finite metrics are written as strings.
    public func jsonData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try e.encode(self) } catch {
            throw SFTError("cannot encode manifest for '\(name)': \(error)")
        }
    }

    public static let maxDescriptionBytes = 4096
    /// Manifests are a few KB; a larger file is not one.
    public static let maxFileBytes = 16 << 20

    /// Parses a manifest; `path` is used in error messages.
    public static func parse(_ data: Data, path: String) throws -> RepoManifest {
        if data.count > maxFileBytes {
            throw SFTError("the manifest is \(ByteCount.text(Int64(data.count))), more than a manifest can be",
                           hint: "the file is damaged; `repo rm` the entry and save it again", file: path)
        }
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let m: RepoManifest
        do { m = try d.decode(RepoManifest.self, from: data) } catch {
            throw SFTError("not a valid manifest: \(describe(error))",
                           hint: "the file is damaged; `repo rm` the entry and save it again", file: path)
        }
        guard m.version <= currentVersion else {
            throw SFTError("manifest version \(m.version) is newer than this sft understands (\(currentVersion))",
                           hint: "update sft to read this entry", file: path)
        }
        return m
    }

    private static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func at(_ path: [CodingKey]) -> String {
            path.isEmpty ? "top level" : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let k, let ctx): return "missing field '\(k.stringValue)' at \(at(ctx.codingPath))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            return "\(ctx.debugDescription) at \(at(ctx.codingPath))"
        @unknown default: return "\(error)"
        }
    }
}
