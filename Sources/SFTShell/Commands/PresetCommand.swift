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
    @Option(help: "With auto: the training dataset (default: the run's, else NAME.train, else the last loaded).") var data: String?
    @Flag(help: "Settings for full fine-tuning instead of LoRA.") var full = false

    mutating func run(session: Session) throws {
        let old = TrainSupport.hyperparameters(session.settings)
        var h = old
        if name.lowercased() == "auto" {
            let d = try TrainSupport.trainingSet(session, data)
            h.epochs = Presets.autoEpochs(samples: d.count)
            session.out.print("'\(d.name)' has \(Plural.count(d.count, "conversation"))")
        } else {
            let mode: TrainingMode = full || session.trainer?.mode == .full ? .full : .lora
            try Presets.named(name, mode: mode).apply(&h)
            session.out.print("preset \(name.lowercased()) for \(mode == .full ? "full fine-tuning" : "LoRA"):")
        }
        let changed = try Self.write(h, from: old, into: session)
        if changed.isEmpty { session.out.print("  (every setting already matches)") }
        for c in changed { session.out.print("  \(c)") }
        if !changed.isEmpty, session.trainer != nil { session.out.print("the next `train` says which of these apply to the running run") }
        if name.lowercased() == "auto", let model = session.model {
            var args = try TrainArguments.parse(data.map { ["--data", $0] } ?? [])
            args.full = full
            try PlanCommand.show(session, model, args)
        }
    }

    /// Sets every setting whose value differs (the rows of HyperparameterTable); returns `name old -> new` lines.
    static func write(_ h: Hyperparameters, from old: Hyperparameters, into session: Session) throws -> [String] {
        var lines: [String] = []
        for f in HyperparameterTable.fields {
            let a = f.read(old), b = f.read(h)
            guard a != b else { continue }
            let v = try session.set(f.name, b.description)
            lines.append("\(f.name) \(a) -> \(v.description)")
        }
        return lines
    }
}
