// How `train` gets its run: a fresh TrainingRun from the settings and datasets (`start`), everything a start
// needs checked before an old run is dropped (`prepare`, so `--restart` never discards and then fails), or the
// live run continued with changed settings applied or reported (`continuing`).
import Foundation
import SFT

enum TrainStart {
    struct Prepared {
        var mode: TrainingMode
        var hyper: Hyperparameters
        var train: Dataset
        var valid: Dataset?
    }

    /// Checks settings, mode and datasets for a new run without changing anything.
    static func prepare(_ session: Session, _ model: ChatModel, _ args: TrainArguments) throws -> Prepared {
        let h = TrainSupport.hyperparameters(session.settings)
        try h.validate()
        let mode: TrainingMode = args.full ? .full : .lora
        if mode == .full, model.transformer.lora != nil, !(args.restart && session.run?.mode == .lora) {
            throw SFTError("LoRA adapters are attached", hint: "`lora drop` them for full fine-tuning, or train without --full")
        }
        if mode == .full, args.restart, session.run?.mode == .lora {
            throw SFTError("the LoRA run's adapters are attached", hint: "`lora drop` them first; then `train --full` starts full fine-tuning")
        }
        let trainSet = try TrainSupport.trainingSet(session, args.data)
        let validSet = try TrainSupport.validationSet(session, args.valid, training: trainSet.name)
        if h.earlyStop > 0, validSet == nil {
            throw SFTError("early stopping (early-stop \(h.earlyStop)) needs a validation set",
                           hint: "`train --valid NAME`, a NAME.valid split (`data split NAME --valid 0.1`), or `set early-stop 0`")
        }
        return Prepared(mode: mode, hyper: h, train: trainSet, valid: validSet)
    }

    /// A fresh run from the settings.
    static func start(_ session: Session, _ model: ChatModel, _ args: TrainArguments) throws -> TrainingRun {
        let p = try prepare(session, model, args)
        let chats = try TrainSupport.render(p.train, model, maxSeqLen: p.hyper.maxSeqLen)
        let validChats = try p.valid.map { try TrainSupport.render($0, model, maxSeqLen: p.hyper.maxSeqLen) } ?? []
        if p.mode == .lora {
            if args.restart, model.transformer.lora != nil {
                let lora = try LoRACommand.make(session, model)   // fresh adapters from the settings
                session.out.print("fresh LoRA adapters r=\(lora.config.rank)")
            } else if model.transformer.lora == nil {
                let lora = try LoRACommand.make(session, model)
                session.out.print("added LoRA r=\(lora.config.rank) alpha=\(TrainSupport.fmt(Double(lora.config.alpha), 1)) on \(lora.config.targets.map(\.rawValue).joined(separator: ",")) (`train --full` trains every weight instead)")
            }
        }
        var h = p.hyper
        if p.mode == .lora, let c = model.transformer.lora?.config {
            h.loraRank = c.rank; h.loraAlpha = Double(c.alpha); h.loraDropout = Double(c.dropout); h.loraTargets = c.targets.map(\.rawValue)
        }
        let t = try Trainer(transformer: model.transformer, mode: p.mode, hyper: h, train: chats, valid: validChats)
        t.dataName = p.train.name
        t.validName = p.valid?.name
        let run = TrainingRun(trainer: t, spillDirectory: session.spillDirectory)
        run.heldOut = TrainSupport.probe(p.valid ?? p.train)
        session.begin(run)
        let tokens = chats.reduce(0) { $0 + min($1.tokens.count, h.maxSeqLen) }
        let cut = chats.filter { $0.tokens.count > h.maxSeqLen }.count
        session.out.print("\(p.mode == .lora ? "LoRA" : "full fine-tuning") on '\(p.train.name)': \(Plural.count(chats.count, "conversation")), \(Plural.count(tokens, "token"))"
                          + (cut > 0 ? " (\(cut) cut to max-seq-len \(h.maxSeqLen))" : "")
                          + "; \(Plural.count(t.stepsPerEpoch, "step"))/epoch x \(Plural.count(h.epochs, "epoch")) = \(Plural.count(t.totalSteps, "step"))"
                          + (p.valid.map { "; validation '\($0.name)' \($0.count)" } ?? ""))
        session.out.print("trainable \(TrainSupport.count(t.trainableCount)) parameters; batch \(h.batchSize) x accum \(h.gradAccum), lr \(TrainSupport.sci(h.learningRate)), warmup \(Plural.count(t.schedule.warmupSteps, "step"))")
        if let warning = Presets.learningRateWarning(mode: p.mode, lr: h.learningRate) { session.out.print(warning) }
        return run
    }

    /// The run goes on: say which changed settings apply and which need --restart.
    static func continuing(_ run: TrainingRun, _ session: Session, _ args: TrainArguments) throws -> TrainingRun {
        let t = run.trainer
        if args.full != (t.mode == .full) {
            throw SFTError("the active run is \(t.mode == .full ? "full fine-tuning" : "LoRA")", hint: "`train --restart\(args.full ? " --full" : "")` starts a \(args.full ? "full" : "LoRA") run")
        }
        if let data = args.data, data != t.dataName {
            throw SFTError("the run trains on '\(t.dataName ?? "?")'", hint: "`train --restart --data \(data)` starts over on another dataset")
        }
        if let valid = args.valid, valid != t.validName {
            throw SFTError("the run validates on '\(t.validName ?? "nothing")'", hint: "`train --restart --valid \(valid)` starts over with it; `eval \(valid)` evaluates it now")
        }
        if t.mode == .lora, session.model?.transformer.lora?.enabled == false {
            throw SFTError("the LoRA adapters are off", hint: "`lora on` before training")
        }
        var h = TrainSupport.hyperparameters(session.settings)
        if t.mode == .lora { h.loraRank = t.hyper.loraRank; h.loraAlpha = t.hyper.loraAlpha; h.loraDropout = t.hyper.loraDropout; h.loraTargets = t.hyper.loraTargets }
        if h.earlyStop > 0, t.valid.isEmpty {
            throw SFTError("early stopping (early-stop \(h.earlyStop)) needs a validation set, and this run has none",
                           hint: "`train --restart --valid NAME` starts over with one, or `set early-stop 0`")
        }
        let r = try t.update(h)
        for a in r.applied { session.out.print("\(a): applies from step \(t.position.step + 1)") }
        for a in r.needRestart { session.out.print("\(a): needs `train --restart`; this run keeps the old value") }
        if let note = changedDataNote(session, t) { session.out.print(note) }
        session.out.print("continuing on '\(t.dataName ?? "?")' at step \(t.position.step + 1) of \(t.totalSteps)")
        return run
    }

    /// The run trains on the conversations it rendered when it started; say so when the dataset changed since.
    static func changedDataNote(_ session: Session, _ t: Trainer) -> String? {
        guard let name = t.dataName, let d = session.datasets[name], let m = session.model else { return nil }
        guard let chats = try? TrainSupport.render(d, m, maxSeqLen: t.hyper.maxSeqLen), TrainerState.hash(chats) != TrainerState.hash(t.plan.chats) else { return nil }
        return "note: '\(name)' changed since the run started (\(Plural.count(d.count, "sample")) now, \(t.plan.chats.count) in the run); "
            + "the run keeps training on its own copy: `train --restart` uses the new data"
    }
}
