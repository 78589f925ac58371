// `preset NAME [--full]`: the seeds' recommended hyperparameters for basic chat, NL2SQL, NL2JSON or NL2CODE
// (LoRA, or full fine-tuning with --full) written into the settings; `preset auto` sets epochs from the size of
// the training dataset. Prints each setting that changed.
import ArgumentParser
import Foundation
import SFT

struct PresetCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "preset", abstract: "Apply recommended settings: basic, nl2sql, nl2json, nl2code, or auto (epochs from data size).")

    @Argument(help: "basic, nl2sql, nl2json, nl2code or auto.") var name: String
    @Option(help: "With auto: the training dataset (default: 'train', else the last loaded).") var data: String?
    @Flag(help: "Settings for full fine-tuning instead of LoRA.") var full = false

    mutating func run(session: Session) throws {
        let old = TrainSupport.hyperparameters(session.settings)
        var h = old
        if name.lowercased() == "auto" {
            let d = try TrainSupport.trainingSet(session, data)
            h.epochs = Presets.autoEpochs(samples: d.count)
            session.out.print("'\(d.name)' has \(d.count) conversations")
        } else {
            let mode: TrainingMode = full || session.trainer?.mode == .full ? .full : .lora
            try Presets.named(name, mode: mode).apply(&h)
            session.out.print("preset \(name.lowercased()) for \(mode == .full ? "full fine-tuning" : "LoRA"):")
        }
        let changed = try Self.write(h, from: old, into: session)
        if changed.isEmpty { session.out.print("  (every setting already matches)") }
        for c in changed { session.out.print("  \(c)") }
        if !changed.isEmpty, session.trainer != nil { session.out.print("the next `train` says which of these apply to the running run") }
    }

    /// Sets every setting whose value differs; returns `name old -> new` lines.
    static func write(_ h: Hyperparameters, from old: Hyperparameters, into session: Session) throws -> [String] {
        var lines: [String] = []
        func put(_ name: String, _ a: String, _ b: String) throws {
            guard a != b else { return }
            let v = try session.set(name, b)
            lines.append("\(name) \(a) -> \(v.description)")
        }
        try put("batch-size", "\(old.batchSize)", "\(h.batchSize)")
        try put("epochs", "\(old.epochs)", "\(h.epochs)")
        try put("learning-rate", "\(old.learningRate)", "\(h.learningRate)")
        try put("min-lr-ratio", "\(old.minLRRatio)", "\(h.minLRRatio)")
        try put("warmup-ratio", "\(old.warmupRatio)", "\(h.warmupRatio)")
        try put("weight-decay", "\(old.weightDecay)", "\(h.weightDecay)")
        try put("clip-norm", "\(old.clipNorm)", "\(h.clipNorm)")
        try put("lora-rank", "\(old.loraRank)", "\(h.loraRank)")
        try put("lora-alpha", "\(old.loraAlpha)", "\(h.loraAlpha)")
        return lines
    }
}
