// `lora load DIR|repo:NAME`: attach a PEFT adapter (a directory written by PEFT's save_pretrained, LLaMA-Factory,
// or `export peft`) or a saved repository entry to the active model, replacing any active adapter. Everything
// is read and checked (hashes, config, every key and shape) before the active adapter changes.
// LEAD: at merge add `LoRALoad.self` to the trainer's `lora` group subcommands and delete LoRACommandForRepo
// (and its temporary `add`) plus its line in CommandRegistry.
import ArgumentParser
import Foundation
import SFT

struct LoRALoad: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Attach a PEFT adapter directory or a saved entry (repo:NAME) to the active model.")

    @Argument(help: "A PEFT adapter directory (adapter_config.json + adapter_model.safetensors) or repo:NAME.")
    var source: String

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
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
        m.transformer.attach(lora: lora)
        session.repoState.adapterOrigin = source.hasPrefix("repo:") ? origin : nil
        let c = lora.config
        session.out.print("loaded adapter \(source.hasPrefix("repo:") ? "'\(origin)'" : (origin as NSString).lastPathComponent): rank \(c.rank), alpha \(LoRAAddForRepo.number(Double(c.alpha))), "
                          + "targets \(c.targets.map(\.rawValue).joined(separator: ",")), \(lora.params.count) parameters")
    }
}

// LEAD: temporary, delete at merge (the trainer's `lora` group replaces it).
struct LoRACommandForRepo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora", abstract: "LoRA adapters (temporary group of the repocmd branch).",
        subcommands: [LoRALoad.self, LoRAAddForRepo.self])
}

// LEAD: temporary, delete at merge; the trainer's `lora add` replaces it.
struct LoRAAddForRepo: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Attach a fresh adapter from the lora-* settings (temporary).")

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let s = session.settings
        let cfg = LoRAConfig(rank: s.int("lora-rank"), alpha: Float(s.double("lora-alpha")), dropout: Float(s.double("lora-dropout")),
                             targets: s.list("lora-targets").compactMap { LoRATarget(name: $0) }, seed: UInt64(s.int("seed")))
        let lora = try LoRA(model: m.config, config: cfg)
        // B starts at zero (PEFT's init); make it small and seeded so saving and loading move real numbers.
        var rng = SplitMix64(seed: cfg.seed &+ 1)
        for l in 0..<m.config.numLayers { for t in cfg.targets { let b = lora.b(t, layer: l)!
            for j in 0..<b.count { b.ptr[j] = (rng.nextUnitFloat() * 2 - 1) * 0.01 } } }
        m.transformer.attach(lora: lora)
        session.repoState.adapterOrigin = nil
        session.out.print("added adapter: rank \(cfg.rank), targets \(cfg.targets.map(\.rawValue).joined(separator: ",")), \(lora.params.count) parameters")
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
