// `plan [N] [--epochs E] [--for T] [--data NAME] [--valid NAME] [--full] [--restart]`: what `train` with the same
// arguments would do, before it runs. Counts go to stdout (they are the same on every machine); the predicted
// time, speed and peak memory go to stderr (they are measured here), with a warning past an hour.
import ArgumentParser
import Foundation
import SFT

struct PlanCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what `train` with the same arguments would do: steps, tokens, cuts, time and memory.")

    @OptionGroup var args: TrainArguments

    mutating func run(session: Session) throws {
        try Self.show(session, try TrainSupport.model(session), args)
    }

    static func show(_ session: Session, _ model: ChatModel, _ args: TrainArguments) throws {
        try args.check()
        let out = session.out
        if let run = session.run, !args.restart {
            let t = run.trainer
            if args.full != (t.mode == .full) || (args.data.map { $0 != t.dataName } ?? false) {
                throw SFTError("the active run is \(t.mode == .full ? "full fine-tuning" : "LoRA") on '\(t.dataName ?? "?")'", hint: "`plan --restart ...` plans a new run")
            }
            guard let steps = try args.stepsNow(t) else { return out.print("the plan (\(Plural.count(t.totalSteps, "step"))) is done; `plan N` plans more") }
            let recent = t.metrics.steps.suffix(10).filter { !$0.skipped && $0.tokensPerSecond > 0 }
            var speed = recent.isEmpty ? nil : recent.map(\.tokensPerSecond).reduce(0, +) / Double(recent.count)
            var source = "the run's last steps"
            if speed == nil { speed = try t.measureSpeed(t.medianBatch()); source = "measured now" }
            let limit: Double = args.limit ?? 0, rate: Double = speed ?? 0
            let guess = Int(limit * rate / Double(max(1, t.plan.batchSize * 256)))
            let n: Int = steps ?? guess
            var p = TrainPlan.make(t.plan, hyper: t.hyper, from: t.position, steps: max(0, n))
            p.tokensPerSecond = speed; p.speedSource = source
            p.peakBytes = (StatusReport.residentBytes() ?? 0) + activationBytes(model, t, p)
            print(session, p, mode: t.mode, data: t.dataName ?? "?", valid: t.validName, continuing: true, limit: args.limit)
            return
        }
        let prep = try TrainStart.prepare(session, model, args)
        let chats = try TrainSupport.render(prep.train, model, maxSeqLen: prep.hyper.maxSeqLen)
        var h = prep.hyper
        // A temporary trainer on the live model measures the speed; it leaves weights and adapters as they were.
        let t = model.transformer
        let hadLoRA = t.lora, hadFull = t.grads != nil
        if prep.mode == .lora, hadLoRA == nil || args.restart {
            t.attach(lora: try LoRA(model: model.config, config: try LoRACommand.config(session)))
        }
        defer {
            if prep.mode == .lora { t.attach(lora: hadLoRA) }
            if prep.mode == .full, !hadFull { t.disableFullGradients() }
            t.invalidateDecodeWeights()
        }
        if prep.mode == .lora, let c = t.lora?.config { h.loraRank = c.rank; h.loraAlpha = Double(c.alpha); h.loraDropout = Double(c.dropout); h.loraTargets = c.targets.map(\.rawValue) }
        let trainer = try Trainer(transformer: t, mode: prep.mode, hyper: h, train: chats)
        let speed = try trainer.measureSpeed(trainer.medianBatch())
        let steps: Int
        if let s = args.steps { steps = s } else if let e = args.epochs { steps = e * trainer.stepsPerEpoch }
        else if let limit = args.limit {
            let perStep = Double(TrainPlan.make(trainer.plan, hyper: h, from: TrainPosition(), steps: trainer.stepsPerEpoch).positions) / Double(max(1, trainer.stepsPerEpoch))
            steps = max(1, Int(limit * speed / max(perStep, 1)))
        } else { steps = trainer.totalSteps }
        var p = TrainPlan.make(trainer.plan, hyper: h, from: TrainPosition(), steps: steps)
        p.tokensPerSecond = speed; p.speedSource = "measured now"
        p.peakBytes = (StatusReport.residentBytes() ?? 0) + activationBytes(model, trainer, p)
        print(session, p, mode: prep.mode, data: prep.train.name, valid: prep.valid?.name, continuing: false, limit: args.limit)
    }

    /// Memory a step adds beyond what the process holds now (its widest batch).
    static func activationBytes(_ model: ChatModel, _ t: Trainer, _ p: TrainPlan) -> Int {
        let widest = t.plan.chats.map { min($0.tokens.count, t.plan.maxSeqLen) }.max() ?? 1
        return TrainPlan.stepBytes(config: model.config, batch: t.plan.batchSize, length: widest, trainable: t.trainableCount,
                                   modelParameters: model.params.count, full: t.mode == .full)
    }

    static func print(_ session: Session, _ p: TrainPlan, mode: TrainingMode, data: String, valid: String?, continuing: Bool, limit: Double?) {
        let out = session.out
        let trainedShare = p.tokens > 0 ? Double(p.trainedTokens) / Double(p.tokens) * 100 : 0
        out.print("plan: \(continuing ? "continue the " : "")\(mode == .lora ? "LoRA" : "full fine-tuning") run on '\(data)' (\(Plural.count(p.conversations, "conversation")))"
                  + (valid.map { ", validation '\($0)'" } ?? ""))
        let last = p.firstStep + p.steps - 1
        out.print("  steps \(p.firstStep) to \(last) of \(p.totalSteps): \(Plural.count(p.stepsPerEpoch, "step"))/epoch x \(Plural.count(p.epochs, "epoch"))"
                  + (limit != nil ? " (about as many as fit in the time limit)" : ""))
        out.print("  tokens: \(p.tokens) read, \(p.trainedTokens) trained (\(String(format: "%.0f", trainedShare))%), \(p.positions) positions run "
                  + (p.packing ? "in \(Plural.count(p.rows, "packed row"))" : "with padding"))
        if p.cutSamples > 0 {
            out.print("  max-seq-len cuts \(Plural.count(p.cutSamples, "conversation")) of the set, losing \(Plural.count(p.cutTrainedTokens, "trained token"))")
        }
        if last > p.totalSteps { out.print("  note: steps after \(p.totalSteps) stay at the floor learning rate") }
        if let secs = p.predictedSeconds, let speed = p.tokensPerSecond {
            out.note("  predicted time \(ProgressBar.seconds(secs)) at \(Int(speed)) tok/s (\(p.speedSource)); peak memory about \(TrainSupport.bytes(p.peakBytes))")
            if secs > 3600 { out.note("  warning: this run would take over an hour; `train --for 10m` runs a part of it, `plan N` plans fewer steps") }
        }
    }
}
