// `lora add|info|off|on|drop`: LoRA adapters on the active model. `add` attaches fresh adapters (A random from
// the seed, B zero, so the answers do not change until training); `off`/`on` switch them without losing them,
// to compare answers; `drop` removes them and the LoRA training run built on them.
import ArgumentParser
import Foundation
import SFT

struct LoRACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora", abstract: "Attach, inspect, switch or drop LoRA adapters.",
        subcommands: [LoRAAdd.self, LoRAInfo.self, LoRAOff.self, LoRAOn.self, LoRADrop.self, LoRALoad.self])
}

struct LoRAAdd: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Attach LoRA adapters (defaults from the lora-* settings; options also set them).")

    @Option(help: "Rank r (8, 16, 32, 64 are common).") var rank: Int?
    @Option(help: "Alpha; the update is scaled by alpha / rank.") var alpha: Double?
    @Option(help: "Dropout on the adapter input while training, in [0, 1).") var dropout: Double?
    @Option(help: "Comma-separated projections: q,k,v,o,gate,up,down.") var targets: String?

    mutating func run(session: Session) throws {
        let model = try TrainSupport.model(session)
        if model.transformer.lora != nil {
            throw SFTError("LoRA adapters are already attached", hint: "`lora info` shows them; `lora drop` removes them first")
        }
        if let t = session.trainer, t.mode == .full {
            throw SFTError("a full fine-tuning run is active", hint: "LoRA goes on the base model: `train --discard` ends the full run and puts the base weights back")
        }
        if let rank { try session.set("lora-rank", String(rank)) }
        if let alpha { try session.set("lora-alpha", String(alpha)) }
        if let dropout { try session.set("lora-dropout", String(dropout)) }
        if let targets { try session.set("lora-targets", targets) }
        let lora = try LoRACommand.make(session, model)
        session.out.print("LoRA r=\(lora.config.rank) alpha=\(TrainSupport.fmt(Double(lora.config.alpha), 1)) on \(lora.config.targets.map(\.rawValue).joined(separator: ",")): \(TrainSupport.count(lora.params.count)) trainable parameters (\(LoRACommand.percent(lora, model)) of the model)")
    }
}

extension LoRACommand {
    /// Fresh adapters from the current lora-* settings and seed, attached to the model.
    @discardableResult
    static func make(_ session: Session, _ model: ChatModel) throws -> LoRA {
        let lora = try LoRA(model: model.config, config: try config(session))
        model.transformer.attach(lora: lora)
        session.repoState.adapterOrigin = nil
        return lora
    }

    /// The adapter shape the settings describe.
    static func config(_ session: Session) throws -> LoRAConfig {
        let h = TrainSupport.hyperparameters(session.settings)
        let targets = h.loraTargets.compactMap { LoRATarget(name: $0) }
        return LoRAConfig(rank: h.loraRank, alpha: Float(h.loraAlpha), dropout: Float(h.loraDropout), targets: targets, seed: h.seed)
    }

    static func percent(_ lora: LoRA, _ model: ChatModel) -> String {
        String(format: "%.2f%%", 100 * Double(lora.params.count) / Double(max(1, model.parameterCount)))
    }

    static func attached(_ session: Session) throws -> (LoRA, ChatModel) {
        let model = try TrainSupport.model(session)
        guard let lora = model.transformer.lora else {
            throw SFTError("no LoRA adapters are attached", hint: "`lora add` attaches them")
        }
        return (lora, model)
    }
}

struct LoRAInfo: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Targets, rank, alpha, trainable parameters and memory.")

    mutating func run(session: Session) throws {
        let (lora, model) = try LoRACommand.attached(session)
        let c = lora.config
        let n = lora.params.count
        session.out.print("LoRA adapters (\(lora.enabled ? "on" : "off"))")
        var t = Table([Table.Column("", right: false), Table.Column("", right: false)], showHeader: false)
        t.add(["targets", c.targets.map(\.rawValue).joined(separator: ",") + " in \(model.config.numLayers) layers"])
        t.add(["rank", "\(c.rank)"])
        t.add(["alpha", "\(TrainSupport.fmt(Double(c.alpha), 1)) (scale \(TrainSupport.fmt(Double(c.scale), 2)))"])
        t.add(["dropout", TrainSupport.fmt(Double(c.dropout), 2)])
        t.add(["trainable", "\(Format.big(n)) parameters, \(LoRACommand.percent(lora, model)) of \(Format.big(model.parameterCount))"])
        t.add(["memory", "\(TrainSupport.bytes(n * 4)) weights, \(TrainSupport.bytes(n * 4 * 3)) more with gradients and AdamW moments"])
        if let tr = session.trainer, tr.mode == .lora { t.add(["trained", "\(Plural.count(tr.position.step, "step"))"]) }
        session.out.print(lines: t.render())
    }
}

struct LoRAOff: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "off", abstract: "Switch the adapters off (answers come from the base model).")
    mutating func run(session: Session) throws {
        let (lora, _) = try LoRACommand.attached(session)
        lora.enabled = false
        session.out.print("LoRA off: the base model answers")
    }
}

struct LoRAOn: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "on", abstract: "Switch the adapters back on.")
    mutating func run(session: Session) throws {
        let (lora, _) = try LoRACommand.attached(session)
        lora.enabled = true
        session.out.print("LoRA on")
    }
}

struct LoRADrop: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Remove the adapters (and their training run).")
    @Flag(help: "Drop them even when their training run has unsaved steps.") var force = false
    mutating func run(session: Session) throws {
        let (_, model) = try LoRACommand.attached(session)
        if session.run?.mode == .lora { try session.refuseToDropUnsavedRun("lora drop", force: force) }
        model.transformer.attach(lora: nil)
        session.repoState.adapterOrigin = nil
        var what = "LoRA adapters dropped"
        if let r = session.run, r.mode == .lora {
            session.endRun(by: "`lora drop`")
            what += ", with their training run (\(Plural.count(r.trainer.position.step, "step")), \(Plural.count(r.checkpoints.count, "checkpoint")); `undo` cannot bring it back)"
        }
        session.out.print(what)
    }
}
