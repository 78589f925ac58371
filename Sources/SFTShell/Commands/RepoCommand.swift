// The `repo` group: `repo list` (table), `repo show NAME` (the whole manifest, hashes short), `repo rm NAME`,
// `repo rename OLD NEW` (keeps the manifest and its lineage), `repo gc` (what was freed), `repo verify NAME` (re-hash every file, name the damaged one). Also
// `model load repo:NAME`: a full-weights entry loaded into a model built from its recorded base file (for the
// tokenizer and template), hashes verified first; the active model is replaced only when all of it loaded.
import ArgumentParser
import Foundation
import SFT

struct RepoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo", abstract: "List, show, verify and remove saved entries of the local repository.",
        subcommands: [RepoList.self, RepoShow.self, RepoRename.self, RepoRemove.self, RepoGC.self, RepoVerify.self])
}

struct RepoList: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the saved entries.")

    @Flag(help: "Also show when each entry was saved.") var times = false

    mutating func run(session: Session) throws {
        let repo = try session.repository()
        let entries = try repo.list()
        if let r = repo.reclaimable(), r.freedBytes > 0 {
            session.out.note("\(RepoList.size(r.freedBytes)) reclaimable (unused files and leftovers of stopped saves): `repo gc` frees it")
        }
        guard !entries.isEmpty else {
            session.out.print("the repository is empty (save NAME stores the active adapter)")
            return
        }
        var cols = [Table.Column("name"), Table.Column("kind"), Table.Column("base"), Table.Column("step", right: true),
                    Table.Column("size", right: true)]
        if times { cols.append(Table.Column("created")) }
        cols.append(Table.Column("description", maxWidth: 40))
        var t = Table(cols)
        for e in entries {
            var row = [e.name, e.kind?.rawValue ?? "?", e.baseModel ?? "", e.step.map(String.init) ?? "", Self.size(e.size)]
            if times { row.append(e.created ?? "") }
            row.append(e.problem.map { "DAMAGED: " + $0.split(separator: "\n")[0] } ?? e.description ?? "")
            t.add(row)
        }
        session.out.print(lines: t.render())
    }

    static func size(_ bytes: Int64) -> String { Format.size(bytes) }
}

struct RepoShow: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an entry: what it is, its base model, training, data and files; --all for everything recorded.")

    @Argument(help: "Entry name.") var name: String
    @Flag(help: "Also show when it was saved.") var times = false
    @Flag(help: "Everything the manifest records: hashes, every setting, the adapter's shape.") var all = false

    mutating func run(session: Session) throws {
        let m = try session.repository().entry(name)
        session.out.print(lines: (all ? Self.everything(m, times: true) : Self.summary(m, times: times)).render())
        if !all { session.out.print(Colour.dim("(`repo show \(m.name) --all` adds hashes, settings and the rest)")) }
    }

    /// What a person needs: name, kind, description, base model, training position and losses, the data it
    /// was trained on, and the files with their sizes.
    static func summary(_ m: RepoManifest, times: Bool) -> Table {
        var t = Table([Table.Column("what"), Table.Column("value")], showHeader: false)
        t.add(["name", m.name])
        t.add(["kind", m.kind.rawValue])
        if !m.description.isEmpty { t.add(["description", m.description]) }
        if times { t.add(["saved", m.created]) }
        if let p = m.parent { t.add(["parent", p]) }
        if let b = m.baseModel { t.add(["base model", b.name]) }
        if let s = m.step { t.add(["trained", Format.count(s, "step")]) }
        if let l = m.metrics["train_loss"] { t.add(["train loss", TrainSupport.fmt(l)]) }
        if let l = m.metrics["valid_loss"] { t.add(["valid loss", TrainSupport.fmt(l)]) }
        for (i, ds) in m.datasets.enumerated() {
            t.add([i == 0 ? "data" : "", ds.name + (ds.samples.map { " (\(Format.count($0, "sample")))" } ?? "")])
        }
        let roles = m.files.keys.sorted(), roleWidth = roles.map { DisplayWidth.of($0) }.max() ?? 0
        for (i, role) in roles.enumerated() {
            t.add([i == 0 ? "files" : "", DisplayWidth.pad(role, to: roleWidth) + "  " + Format.size(m.files[role]!.size)])
        }
        t.add(["total size", Format.size(m.totalSize)])
        return t
    }

    /// Every field of the manifest.
    static func everything(_ m: RepoManifest, times: Bool) -> Table {
        func short(_ h: String?) -> String { h.flatMap { Digest($0)?.short } ?? h ?? "-" }
        var t = Table([Table.Column("what"), Table.Column("value")], showHeader: false)
        t.add(["name", m.name])
        t.add(["kind", m.kind.rawValue])
        if !m.description.isEmpty { t.add(["description", m.description]) }
        if times { t.add(["created", m.created]) }
        t.add(["parent", m.parent ?? "-"])
        t.add(["base model", (m.baseModel?.name ?? "-") + " " + short(m.baseModel?.hash)])
        t.add(["tokenizer", short(m.tokenizerHash)])
        t.add(["template", m.template ?? "-"])
        t.add(["step", m.step.map(String.init) ?? "-"])
        for ds in m.datasets {
            t.add(["dataset", "\(ds.name): \(ds.samples.map(String.init) ?? "?") samples \(short(ds.hash))"])
        }
        for k in m.metrics.keys.sorted() { t.add(["metric \(k)", String(format: "%.4f", m.metrics[k]!)]) }
        for role in m.files.keys.sorted() {
            let f = m.files[role]!
            t.add(["file \(role)", "\(f.digest.short) \(RepoList.size(f.size)) \(f.mediaType)"])
        }
        for k in m.hyperparameters.keys.sorted() { t.add(["setting \(k)", m.hyperparameters[k]!.description]) }
        for k in m.extra.keys.sorted() where k != "basePath" { t.add([k, m.extra[k]!.description]) }
        if case .string(let p)? = m.extra["basePath"] { t.add(["base path", (p as NSString).lastPathComponent]) }
        return t
    }
}

struct RepoRemove: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an entry (its blobs stay until `repo gc`).")
    @Argument(help: "Entry name.") var name: String

    mutating func run(session: Session) throws {
        try session.repository().remove(name)
        session.out.print("removed '\(name)' (repo gc frees its files)")
    }
}

struct RepoRename: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename an entry, keeping its history; refuses an existing name.")
    @Argument(help: "Entry name now.") var old: String
    @Argument(help: "New name (must not exist).") var new: String

    mutating func run(session: Session) throws {
        let r = try session.repository().rename(old, to: new)
        let name = r.manifest.name
        if session.repoState.adapterOrigin == old { session.repoState.adapterOrigin = name }
        if session.repoState.modelOrigin == old { session.repoState.modelOrigin = name }
        var line = "renamed '\(old)' to '\(name)'"
        if !r.children.isEmpty { line += "; \(Plural.count(r.children.count, "entry", "entries")) trained from it now name\(r.children.count == 1 ? "s" : "") '\(name)' as parent (\(r.children.joined(separator: ", ")))" }
        session.out.print(line)
    }
}

struct RepoGC: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "gc", abstract: "Delete files no entry uses; say what was freed.")

    mutating func run(session: Session) throws {
        let r = try session.repository().gc()
        let blobBytes = r.freedBytes - r.temporaryBytes
        session.out.print("freed \(RepoList.size(blobBytes)) in \(r.removedBlobs) file\(r.removedBlobs == 1 ? "" : "s")")
        if r.removedTemporaryFiles > 0 {
            session.out.print("freed \(RepoList.size(r.temporaryBytes)) in \(r.removedTemporaryFiles) temporar\(r.removedTemporaryFiles == 1 ? "y" : "ies") left by stopped saves")
        }
    }
}

struct RepoVerify: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Re-hash every file of an entry; name any damaged one.")
    @Argument(help: "Entry name.") var name: String

    mutating func run(session: Session) throws {
        let m = try session.repository().verifyEntry(name)
        session.out.print("'\(m.name)' is intact: \(Plural.count(m.files.count, "file")), \(RepoList.size(m.totalSize))")
    }
}

extension Session {
    /// `model load repo:NAME`: verify, build a model from the recorded base file, copy the entry's weights
    /// into it, then make it active. Any error leaves the active model as it was.
    func loadModelFromRepo(_ name: String, template: String?) throws -> ChatModel {
        let repo = try repository()
        let m = try repo.verifyEntry(name)
        guard m.kind == .full else {
            throw SFTError("entry '\(m.name)' is \(m.kind == .adapter ? "an" : "a") \(m.kind) entry, not full weights",
                           hint: m.kind == .adapter ? "load a base model, then `lora load repo:\(m.name)`" : "`repo show \(m.name)` says what it holds")
        }
        guard case .string(let basePath)? = m.extra["basePath"] else {
            throw SFTError("entry '\(m.name)' does not record its base model file", hint: "save it again with this sft")
        }
        guard FileManager.default.fileExists(atPath: basePath) else {
            throw SFTError("the base model of '\(m.name)' is gone", hint: "its tokenizer and template come from there; restore the file", file: basePath)
        }
        let model = try ChatModel.load(path: basePath, template: template)
        if let want = m.tokenizerHash, let have = try? ModelIdentity.tokenizerHash(modelPath: basePath), want != have {
            throw SFTError("the tokenizer at the base path differs from the one '\(m.name)' was saved with", file: basePath)
        }
        _ = try RepoEntries.loadFull(repo: repo, name: m.name, into: model.params, verify: false)   // verified above
        model.transformer.invalidateDecodeWeights()
        return model
    }
}
