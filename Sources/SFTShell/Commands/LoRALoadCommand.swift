// `lora load DIR|repo:NAME`: attach a PEFT adapter (a directory written by PEFT's save_pretrained, LLaMA-Factory,
// or `export peft`) or a saved repository entry to the active model, replacing any active adapter. Everything
// is read and checked (hashes, config, every key and shape) before the active adapter changes.
import ArgumentParser
import Foundation
import SFT

struct LoRALoad: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Attach a PEFT adapter directory or a saved entry (repo:NAME) to the active model.")

    @Argument(help: "A PEFT adapter directory (adapter_config.json + adapter_model.safetensors) or repo:NAME.")
    var source: String

    @Flag(help: "Load even when the training run has unsaved steps (the run is dropped).") var force = false

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        try session.refuseToDropUnsavedRun("lora load \(source)", force: force)
        let lora: LoRA
        let origin: String
        if source.hasPrefix("repo:") {
            let name = String(source.dropFirst(5))
            let (l, manifest) = try RepoEntries.loadAdapter(repo: try session.repository(), name: name, model: m.config)
            if let want = manifest.baseModel?.hash, let have = try? ModelIdentity.weightsHash(path: m.path), want != have {
                session.out.note("note: '\(manifest.name)' was trained on \(manifest.baseModel?.name ?? "another base") (\(Digest(want)?.short ?? want)), the active model is \(m.name) (\(Digest(have)?.short ?? have))")
            }
            (lora, origin) = (l, manifest.name)
        } else {
            let dir = (source as NSString).expandingTildeInPath
            (lora, origin) = (try LoRAIO.read(directory: dir, model: m.config), dir)
        }
        let dropped = session.droppedParts(adapters: true)
        if session.run != nil { session.endRun(by: "`lora load`") }
        if !dropped.isEmpty {
            session.out.print("dropped " + dropped.joined(separator: " and ") + "; `train` starts a new run on the loaded adapter")
        }
        m.transformer.attach(lora: lora)
        session.repoState.adapterOrigin = source.hasPrefix("repo:") ? origin : nil
        let c = lora.config
        session.out.print("loaded adapter \(source.hasPrefix("repo:") ? "'\(origin)'" : (origin as NSString).lastPathComponent): rank \(c.rank), alpha \(ModelInfo.number(Double(c.alpha))), "
                          + "targets \(c.targets.map(\.rawValue).joined(separator: ",")), \(Format.big(lora.params.count)) parameters")
    }
}
