// `save NAME [--description TEXT] [--full]`: stores the active adapter (or with --full the active weights) in
// the local repository with a manifest that says where it came from: base model and tokenizer hashes, chat
// template, datasets (name, hash, count), every setting, step and metrics (from the trainer's SaveSource),
// parent entry and time. With a training run active it also stores the run's state for exact resume
// (ResumeRun.swift). Also here: the per-session repository state (where the adapter came from, the
// trainer's hook) and the manifest builder.
import ArgumentParser
import Foundation
import SFT

/// What the repository commands remember about a session. Held per Session object (see `repoState`).
public final class RepoSessionState {
    /// The repo entry (or PEFT directory) the active adapter was loaded from; a save records it as parent.
    public var adapterOrigin: String?
    /// The repo entry a full-weights model was loaded from.
    public var modelOrigin: String?
    /// `quantize int8`'s copy of the active model (adapter merged), kept in step with it after every command
    /// (Session.followInt8); nil after `quantize off`.
    public var int8Copy: LiveInt8Copy?
    /// What answers instead of the fp32 model: the int8 copy, while `quantize int8` is on.
    public var int8: Int8Model? { int8Copy?.model }
}

extension Session {
    /// Step and metrics of the training run on the active model, for the manifest (empty when nothing trained).
    func trainingSaveSource() -> SaveSource {
        guard let t = trainer else { return SaveSource() }
        var metrics: [String: Double] = [:]
        if let last = t.metrics.steps.last(where: { !$0.skipped }) { metrics["train_loss"] = last.loss }
        if let e = t.metrics.evals.last { metrics["valid_loss"] = e.loss; metrics["valid_perplexity"] = e.perplexity }
        return SaveSource(step: t.position.step, metrics: metrics, extra: ["mode": .string(t.mode.rawValue)])
    }

    /// The local repository (created on first use).
    public func repository() throws -> Repository { try Repository(root: paths.repo.path) }

    /// The active adapter, or an error saying how to get one.
    public func requireAdapter() throws -> LoRA {
        let m = try requireModel()
        guard let lora = m.transformer.lora else {
            throw SFTError("no adapter on the active model", hint: "lora add creates one; lora load DIR|repo:NAME loads one")
        }
        return lora
    }

    /// The manifest fields every saved entry records (kind and files are filled by the store).
    func manifestBase(description: String) throws -> RepoManifest {
        let m = try requireModel()
        var base = RepoBaseModel(name: m.name, hash: try ModelIdentity.weightsHash(path: m.path))
        if let origin = repoState.modelOrigin { base.name = "\(m.name) + repo:\(origin)" }
        var hyper: [String: RepoValue] = [:]
        for name in settings.names {
            switch settings.value(name) {
            case .int(let v)?: hyper[name] = .int(v)
            case .double(let v)?: hyper[name] = .double(v)
            case .string(let v)?: hyper[name] = .string(v)
            case .list(let v)?: hyper[name] = .array(v.map { .string($0) })
            case nil: break
            }
        }
        var extra: [String: RepoValue] = ["basePath": .string(m.path), "templateSource": .string(m.templateSource)]
        if let lora = m.transformer.lora {
            extra["adapter"] = .object(["rank": .int(lora.config.rank), "alpha": .double(Double(lora.config.alpha)),
                                     "dropout": .double(Double(lora.config.dropout)),
                                     "targets": .array(lora.config.targets.map { .string($0.rawValue) })])
        }
        let sets = datasetNames.compactMap { datasets[$0] }.map {
            RepoDatasetRef(name: $0.name, hash: ModelIdentity.datasetHash($0.conversations), samples: $0.count)
        }
        return RepoManifest(name: "pending", kind: .adapter, description: description, parent: nil, baseModel: base,
                            tokenizerHash: try ModelIdentity.tokenizerHash(modelPath: m.path), template: m.template.name,
                            datasets: sets, hyperparameters: hyper,
                            extra: extra)
    }
}

struct SaveCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save the active adapter (or --full weights) to the local repository.")

    @Argument(help: "Entry name: letters, digits, '.', '_', '-'.") var name: String
    @Option(help: "A line saying what this is.") var description: String = ""
    @Flag(help: "Save the full weights (LoRA merged in) instead of the adapter.") var full = false
    @Flag(help: "Replace an entry of that name (its description is kept unless --description gives a new one).") var force = false

    mutating func run(session: Session) throws {
        let valid = try RepoName.validate(name)
        let m = try session.requireModel()
        let repo = try session.repository()
        // Like `session save`: an existing entry is replaced only when asked, and then keeps its description.
        var old: RepoManifest?
        if repo.contains(valid) {
            guard force else {
                throw SFTError("the repository already has an entry '\(valid)'",
                               hint: "`save \(valid) --force` replaces it (keeping its description), or save under another name; `repo show \(valid)` shows it")
            }
            old = try? repo.entry(valid)
        }
        let t0 = Date()
        var manifest = try session.manifestBase(description: description.isEmpty ? old?.description ?? "" : description)
        var source = session.trainingSaveSource()
        let stateDir = try ResumeRun.addState(session, to: &source, repo: repo)   // for `train --resume repo:NAME`
        defer { if let stateDir { try? FileManager.default.removeItem(atPath: stateDir) } }
        let saved: RepoManifest
        if full {
            manifest.parent = session.repoState.modelOrigin
            let params = LoRAIO.mergedCopy(m.params, lora: m.transformer.lora)
            saved = try RepoEntries.saveFull(params, repo: repo, name: valid, manifest: manifest, source: source)
        } else {
            let lora = try session.requireAdapter()
            manifest.parent = session.repoState.adapterOrigin
            saved = try RepoEntries.saveAdapter(lora, repo: repo, name: valid, manifest: manifest, source: source)
        }
        session.out.print("\(old == nil ? "saved" : "replaced") \(saved.kind) '\(saved.name)': \(Plural.count(saved.files.count, "file")), \(RepoList.size(saved.totalSize))"
                          + (saved.parent.map { ", parent \($0)" } ?? "")
                          + (old.map { o in description.isEmpty && !o.description.isEmpty ? " (kept its description; `repo gc` frees the old files)" : " (`repo gc` frees the old files)" } ?? ""))
        session.run?.savedStep = session.run?.trainer.position.step
        session.out.note(String(format: "saved in %.2f s to %@", Date().timeIntervalSince(t0), repo.root))
    }
}
