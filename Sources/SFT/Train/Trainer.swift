// Trainer: one training run on a Transformer, full fine-tuning or LoRA, step by step so the shell can run a few
// steps, chat, and go on. It owns the batch plan (rendered chats, length-aware batches, seeded order), AdamW over
// the flat trainable buffer (the LoRA buffer, or the whole ParameterTensors storage), the LR schedule and the
// position (epoch, batch, step), so `train 5` twice equals `train 10`. Checkpoints (in memory) are in
// TrainerCheckpoints.swift; evaluation below. No printing here: the shell's `train` command reports.
import Foundation

/// Where the run is: the next batch to read and the optimizer steps taken (skipped steps count: data moved on).
public struct TrainPosition: Codable, Equatable, Sendable {
    public var epoch = 0     // 0-based epoch of the next batch
    public var batch = 0     // index of the next batch within that epoch
    public var step = 0      // optimizer steps done, 1-based in StepRecord
    public init() {}
}

/// Mean loss over trained tokens of a set of chats, and its perplexity.
public struct EvalResult: Equatable, Sendable {
    public var loss: Double
    public var tokens: Int
    public var perplexity: Double { exp(loss) }
    public init(loss: Double, tokens: Int) { self.loss = loss; self.tokens = tokens }
}

public final class Trainer: @unchecked Sendable {
    public let transformer: Transformer
    public let mode: TrainingMode
    public internal(set) var hyper: Hyperparameters
    public let plan: BatchPlan
    public let valid: [RenderedChat]
    public let optimizer: AdamW
    public internal(set) var position = TrainPosition()
    public internal(set) var metrics = MetricsLog()
    public internal(set) var earlyStopping = EarlyStopState()
    private var cachedOrder: (epoch: Int, batches: [[Int]])?
    /// True when the last AdamW step zeroed the gradient buffer as it read it, so the next step skips its zero pass.
    var gradientsZeroed = false
    /// Positions the last step ran (padding included): what the CPU did, for speed and time predictions.
    public private(set) var lastStepTokens = 0
    /// What the last step ran: batch rows (packed rows hold several chats), conversations, positions run
    /// (padding included) and trained tokens; for the train status line, which shows what packing does.
    public private(set) var lastStepShape = StepShape()
    /// The datasets the run trains and validates on, by name (saved with the run; resume checks them).
    public var dataName: String?
    public var validName: String?

    /// LoRA mode needs adapters attached to `transformer`; full mode allocates full gradients.
    public init(transformer: Transformer, mode: TrainingMode, hyper: Hyperparameters,
                train: [RenderedChat], valid: [RenderedChat] = []) throws {
        try hyper.validate()
        guard !train.isEmpty else {
            throw SFTError("the training set is empty", hint: "load a dataset with conversations first")
        }
        if train.allSatisfy({ $0.trainedCount == 0 }) {
            throw SFTError("no conversation has an assistant reply to train on", hint: "check the dataset's roles")
        }
        switch mode {
        case .lora:
            guard let lora = transformer.lora else {
                throw SFTError("LoRA training needs adapters", hint: "`lora add` attaches them, or train with --full")
            }
            guard lora.enabled else { throw SFTError("the LoRA adapters are switched off", hint: "`lora on` first") }
            transformer.disableFullGradients()
        case .full:
            if transformer.lora != nil {
                throw SFTError("full fine-tuning with LoRA adapters attached", hint: "`lora drop` them first, or train without --full")
            }
            transformer.enableFullGradients()
        }
        self.transformer = transformer
        self.mode = mode
        self.hyper = hyper
        self.plan = BatchPlan(chats: train, batchSize: hyper.batchSize, maxSeqLen: hyper.maxSeqLen, seed: hyper.seed)
        self.valid = valid
        let count = mode == .lora ? transformer.lora!.params.count : transformer.params.storage.count
        optimizer = AdamW(count: count, config: Self.adamConfig(hyper))
        // HF's Trainer leaves norm weights and biases out of weight decay; LoRA buffers hold neither.
        if mode == .full { optimizer.noDecay = transformer.params.noDecayRanges }
    }

    static func adamConfig(_ h: Hyperparameters) -> AdamWConfig {
        AdamWConfig(weightDecay: Float(h.weightDecay), maxGradNorm: h.clipNorm > 0 ? Float(h.clipNorm) : nil)
    }

    // MARK: what is trained

    /// The flat buffers AdamW updates: LoRA A/B, or every weight.
    var trainable: (params: FloatBuffer, grads: FloatBuffer) {
        switch mode {
        case .lora: return (transformer.lora!.params, transformer.lora!.grads)
        case .full: return (transformer.params.storage, transformer.grads!.storage)
        }
    }

    public var trainableCount: Int { optimizer.count }

    // MARK: schedule

    public var stepsPerEpoch: Int { (plan.batchesPerEpoch + hyper.gradAccum - 1) / hyper.gradAccum }
    public var totalSteps: Int { hyper.epochs * stepsPerEpoch }
    public var schedule: LRSchedule {
        LRSchedule(peak: hyper.learningRate, totalSteps: totalSteps, warmupRatio: hyper.warmupRatio, minLRRatio: hyper.minLRRatio)
    }

    /// Takes the live hyperparameters of `new` (HyperparameterTable's `live` rows); returns "name old -> new" for
    /// every difference, applied from the next step or kept until `train --restart` (the LoRA shape rows of a
    /// LoRA run too; a full run has no adapters, so those rows are not compared).
    @discardableResult
    public func update(_ new: Hyperparameters) throws -> (applied: [String], needRestart: [String]) {
        try new.validate()
        var applied: [String] = [], restart: [String] = []
        for f in HyperparameterTable.fields where !(f.loraShape && mode == .full) {
            let a = f.read(hyper), b = f.read(new)
            guard a != b else { continue }
            if f.live { applied.append("\(f.name) \(a) -> \(b)"); f.write(&hyper, b) } else { restart.append("\(f.name) \(a) -> \(b)") }
        }
        optimizer.config = Self.adamConfig(hyper)
        return (applied, restart)
    }

    // MARK: training

    /// The micro-batches of the next optimizer step (up to grad-accum, never across an epoch end).
    public func nextBatches() -> [Batch] {
        if cachedOrder?.epoch != position.epoch { cachedOrder = (position.epoch, plan.order(epoch: position.epoch)) }
        let order = cachedOrder!.batches
        let end = min(order.count, position.batch + hyper.gradAccum)
        return order[position.batch..<end].map { hyper.packing ? plan.packedBatch($0) : plan.batch($0) }
    }

    /// One optimizer step: forward + backward over grad-accum micro-batches, loss averaged over every trained
    /// token of the step, clip, AdamW at the scheduled LR. A non-finite loss or gradient skips the update
    /// (weights and moments stay as they were) and the record says skipped; the data still moves on.
    public func step() throws -> StepRecord {
        let t0 = Date()
        let lr = schedule.lr(at: position.step)
        let batches = nextBatches()
        let g = try gradients(batches)
        position.batch += batches.count
        if position.batch >= plan.batchesPerEpoch { position.epoch += 1; position.batch = 0 }
        position.step += 1
        var rec = StepRecord(step: position.step, loss: g.loss, lr: lr, gradNorm: .nan, tokensPerSecond: 0, skipped: true)
        if g.loss.isFinite {
            optimizer.config = Self.adamConfig(hyper)
            let (p, gr) = trainable
            let r = optimizer.step(params: p.base, grads: gr.base, lr: Float(lr), zeroGradients: true)
            gradientsZeroed = !r.skipped
            rec.gradNorm = Double(r.gradNorm)
            rec.skipped = r.skipped
            if mode == .full { transformer.invalidateDecodeWeights() }
        }
        rec.tokensPerSecond = Double(g.tokens) / max(Date().timeIntervalSince(t0), 1e-9)
        lastStepTokens = g.tokens
        lastStepShape = StepShape(rows: batches.reduce(0) { $0 + $1.batchSize }, conversations: batches.reduce(0) { $0 + $1.samples.count },
                                  positions: g.tokens, trained: g.trained)
        metrics.steps.append(rec)
        return rec
    }

    /// Gradients of the mean loss over all trained tokens of `batches`, left in the trainable gradient buffer.
    /// Each micro-batch's backward adds the gradient of its summed loss / N (N trained tokens of the step), so
    /// the buffer ends as the gradient of the step's mean, the same as one big batch, with no rescaling passes.
    public func gradients(_ batches: [Batch]) throws -> (loss: Double, trained: Int, tokens: Int) {
        if !gradientsZeroed { transformer.zeroGradients() }
        gradientsZeroed = false
        let total = batches.reduce(0) { $0 + $1.trainedTokens }
        var lossSum = 0.0, tokens = 0
        for b in batches {
            tokens += b.mask.count   // positions run, padding included (what the CPU did)
            let n = b.trainedTokens
            guard n > 0 else { continue }
            let mask = b.mask.map { $0 ? Float(1) : 0 }
            let loss = try transformer.forward(tokens: b.inputs, targets: b.targets, mask: mask, batch: b.batchSize,
                                               length: b.seqLen, needGradients: true, gradientTokens: total, segments: b.segments)
            lossSum += Double(loss) * Double(n)
            transformer.backward()
        }
        return (total > 0 ? lossSum / Double(total) : 0, total, tokens)
    }


    // MARK: evaluation

    /// Mean loss over the trained tokens of `chats` (default: the validation set), in batches, no gradients.
    public func evaluate(_ chats: [RenderedChat]? = nil) throws -> EvalResult {
        let set = chats ?? valid
        guard !set.isEmpty else {
            throw SFTError("there is no validation set", hint: "train --valid NAME, or eval NAME")
        }
        return try Self.evaluate(transformer: transformer, chats: set, batchSize: hyper.batchSize, maxSeqLen: hyper.maxSeqLen)
    }

    /// Mean loss over the trained tokens of `chats` on any model, batches of similar length, no gradients.
    public static func evaluate(transformer: Transformer, chats set: [RenderedChat], batchSize: Int, maxSeqLen: Int) throws -> EvalResult {
        let evalPlan = BatchPlan(chats: set, batchSize: batchSize, maxSeqLen: maxSeqLen, seed: 0)
        let byLength = set.indices.sorted { set[$0].tokens.count < set[$1].tokens.count }
        var lossSum = 0.0, trained = 0
        for start in stride(from: 0, to: byLength.count, by: evalPlan.batchSize) {
            if Cancellation.requested { break }
            let b = evalPlan.batch(Array(byLength[start..<min(byLength.count, start + evalPlan.batchSize)]))
            let n = b.trainedTokens
            guard n > 0 else { continue }
            let loss = try transformer.forward(tokens: b.inputs, targets: b.targets, mask: b.mask.map { $0 ? 1 : 0 },
                                               batch: b.batchSize, length: b.seqLen)
            lossSum += Double(loss) * Double(n)
            trained += n
        }
        guard trained > 0 else { throw SFTError("the evaluation set has no trained tokens", hint: "it needs assistant replies") }
        return EvalResult(loss: lossSum / Double(trained), tokens: trained)
    }

    /// Evaluates the validation set and records it at the current step.
    @discardableResult
    public func evaluateAndRecord() throws -> EvalResult {
        let r = try evaluate()
        recordEvaluation(r)
        return r
    }

    /// Records an evaluation at the current step.
    public func recordEvaluation(_ r: EvalResult) {
        metrics.evals.append(EvalRecord(step: position.step, loss: r.loss))
    }
}

/// One optimizer step's work (Trainer.lastStepShape).
public struct StepShape: Sendable, Equatable {
    public var rows = 0, conversations = 0, positions = 0, trained = 0
    public init(rows: Int = 0, conversations: Int = 0, positions: Int = 0, trained: Int = 0) {
        self.rows = rows; self.conversations = conversations; self.positions = positions; self.trained = trained
    }
}
