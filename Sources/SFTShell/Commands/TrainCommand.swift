// `train [N] [--epochs E] [--for 10m] [--data NAME] [--valid NAME] [--full] [--restart] [--discard] [--resume repo:NAME]`.
// The first `train` builds the run from the settings (LoRA when adapters are attached or by default, full
// fine-tuning with --full); later calls continue the same schedule. Changed settings either apply from the next
// step (learning rate, decay, clipping, epochs, save/eval steps) or need `train --restart`, and the command says
// which. Step lines go to stdout (deterministic); speed, ETA and timing to stderr. Ctrl-C stops after the step.
import ArgumentParser
import Foundation
import SFT

struct TrainCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train N optimizer steps (default: to the end of the planned epochs); continues the run.")

    @Argument(help: "Optimizer steps to run now.") var steps: Int?
    @Option(help: "Run this many epochs' worth of steps now.") var epochs: Int?
    @Option(name: .customLong("for"), help: "Run for a time: 90s, 10m, 1h.") var duration: String?
    @Option(help: "Training dataset: a loaded name or a data file (default: the last loaded).") var data: String?
    @Option(help: "Validation dataset: a name or a data file (default: NAME.valid beside NAME.train, or 'valid').") var valid: String?
    @Flag(help: "Fine-tune every weight instead of LoRA adapters.") var full = false
    @Flag(help: "Start the run over (fresh adapters or the base weights, new optimizer and schedule).") var restart = false
    @Flag(help: "End the run without training (full mode puts the base weights back).") var discard = false
    @Option(help: "Continue a run saved with `save NAME`: repo:NAME (its datasets must be loaded).") var resume: String?

    mutating func run(session: Session) throws {
        let model = try TrainSupport.model(session)
        if let resume {
            if discard || restart || data != nil || valid != nil {
                throw SFTError("--resume takes the run as it was saved", hint: "drop --discard/--restart/--data/--valid; `set` changes live settings after resuming")
            }
            _ = try ResumeRun.resume(session, model, source: resume)
            if steps == nil && epochs == nil && duration == nil { return }
        }
        if discard || restart, let old = session.trainer {
            old.putBaseBack(model)
            session.trainer = nil
            session.out.print("\(discard ? "discarded" : "restarting"): the \(old.mode.rawValue) run of \(old.position.step) steps is gone")
            if discard { return }
        } else if discard {
            return session.out.print("there is no training run")
        }
        let limit = try duration.map(Self.seconds)
        if let steps, steps < 1 { throw SFTError("train needs a positive number of steps, got \(steps)", hint: "e.g. `train 20`") }
        if let epochs, epochs < 1 { throw SFTError("--epochs must be at least 1", hint: "e.g. `train --epochs 1`") }
        let trainer = try session.trainer.map { try continuing($0, session) } ?? start(session, model)
        session.trainer = trainer

        let n: Int
        if let steps { n = steps }
        else if let epochs { n = epochs * trainer.stepsPerEpoch }
        else if limit != nil { n = Int.max }
        else {
            n = trainer.totalSteps - trainer.position.step
            if n <= 0 {
                return session.out.print("the planned \(trainer.totalSteps) steps are done; `train N` runs more at the final learning rate, or raise epochs")
            }
        }
        try TrainLoop(session: session, trainer: trainer, model: model, steps: n, seconds: limit).run()
    }

    /// A fresh run from the settings.
    private func start(_ session: Session, _ model: ChatModel) throws -> Trainer {
        let h = TrainSupport.hyperparameters(session.settings)
        try h.validate()
        var mode = TrainingMode.lora
        if full {
            mode = .full
            if model.transformer.lora != nil {
                throw SFTError("LoRA adapters are attached", hint: "`lora drop` them for full fine-tuning, or train without --full")
            }
        } else if restart, model.transformer.lora != nil {
            let lora = try LoRACommand.make(session, model)   // fresh adapters from the settings
            session.out.print("fresh LoRA adapters r=\(lora.config.rank)")
        } else if model.transformer.lora == nil {
            let lora = try LoRACommand.make(session, model)
            session.out.print("added LoRA r=\(lora.config.rank) alpha=\(TrainSupport.fmt(Double(lora.config.alpha), 1)) on \(lora.config.targets.map(\.rawValue).joined(separator: ",")) (`train --full` trains every weight instead)")
        }
        let trainSet = try TrainSupport.trainingSet(session, data)
        let validSet = try TrainSupport.validationSet(session, valid, training: trainSet.name)
        let chats = try TrainSupport.render(trainSet, model, maxSeqLen: h.maxSeqLen)
        let validChats = try validSet.map { try TrainSupport.render($0, model, maxSeqLen: h.maxSeqLen) } ?? []
        var hh = h
        if mode == .lora, let c = model.transformer.lora?.config {
            hh.loraRank = c.rank; hh.loraAlpha = Double(c.alpha); hh.loraDropout = Double(c.dropout); hh.loraTargets = c.targets.map(\.rawValue)
        }
        let base = mode == .full ? Array(model.params.storage.pointer) : nil
        let t = try Trainer(transformer: model.transformer, mode: mode, hyper: hh, train: chats, valid: validChats)
        t.baseWeights = base
        t.dataName = trainSet.name
        t.validName = validSet?.name
        t.probe = TrainSupport.probe(validSet ?? trainSet)
        let tokens = chats.reduce(0) { $0 + min($1.tokens.count, hh.maxSeqLen) }
        let cut = chats.filter { $0.tokens.count > hh.maxSeqLen }.count
        session.out.print("\(mode == .lora ? "LoRA" : "full fine-tuning") on '\(trainSet.name)': \(chats.count) conversations, \(tokens) tokens"
                          + (cut > 0 ? " (\(cut) cut to max-seq-len \(hh.maxSeqLen))" : "")
                          + "; \(t.stepsPerEpoch) steps/epoch x \(hh.epochs) epochs = \(t.totalSteps) steps"
                          + (validSet.map { "; validation '\($0.name)' \($0.count)" } ?? ""))
        session.out.print("trainable \(TrainSupport.count(t.trainableCount)) parameters; batch \(hh.batchSize) x accum \(hh.gradAccum), lr \(TrainSupport.sci(hh.learningRate)), warmup \(t.schedule.warmupSteps) steps")
        return t
    }

    /// The run goes on: say which changed settings apply and which need --restart.
    private func continuing(_ t: Trainer, _ session: Session) throws -> Trainer {
        if full != (t.mode == .full) {
            throw SFTError("the active run is \(t.mode == .full ? "full fine-tuning" : "LoRA")", hint: "`train --restart\(full ? " --full" : "")` starts a \(full ? "full" : "LoRA") run")
        }
        if let data, data != t.dataName {
            throw SFTError("the run trains on '\(t.dataName ?? "?")'", hint: "`train --restart --data \(data)` starts over on another dataset")
        }
        if let valid, valid != t.validName {
            throw SFTError("the run validates on '\(t.validName ?? "nothing")'", hint: "`train --restart --valid \(valid)` starts over with it; `eval \(valid)` evaluates it now")
        }
        if t.mode == .lora, session.model?.transformer.lora?.enabled == false {
            throw SFTError("the LoRA adapters are off", hint: "`lora on` before training")
        }
        var h = TrainSupport.hyperparameters(session.settings)
        if t.mode == .lora { h.loraRank = t.hyper.loraRank; h.loraAlpha = t.hyper.loraAlpha; h.loraDropout = t.hyper.loraDropout; h.loraTargets = t.hyper.loraTargets }
        let r = try t.update(h)
        for a in r.applied { session.out.print("\(a): applies from step \(t.position.step + 1)") }
        for a in r.needRestart { session.out.print("\(a): needs `train --restart`; this run keeps the old value") }
        session.out.print("continuing at step \(t.position.step + 1) of \(t.totalSteps)")
        return t
    }

    /// `90s`, `10m`, `1h`, `1.5h`, plain seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var t = text.lowercased(), mult = 1.0
        if let u = t.last, let m = units[u] { mult = m; t.removeLast() }
        guard let v = Double(t), v > 0, v.isFinite else {
            throw SFTError("cannot read the duration '\(text)'", hint: "use e.g. 90s, 10m or 1h")
        }
        return v * mult
    }
}

extension Trainer {
    /// Full mode: writes the weights from before training back (LoRA runs leave the base untouched).
    func putBaseBack(_ model: ChatModel) {
        if mode == .full, let base = baseWeights {
            base.withUnsafeBufferPointer { model.params.storage.base.update(from: $0.baseAddress!, count: base.count) }
            model.transformer.invalidateDecodeWeights()
            model.transformer.disableFullGradients()
        }
    }
}
