// What a `train` call would do, before it runs: the steps, the tokens they cover and train, what max-seq-len
// cuts, the positions the CPU will run (every batch's B x T, padding included, read off the batch order that
// training will use), the predicted wall time (positions / a measured speed) and peak memory.
// The speed is measured on the live model by one forward+backward of a median-length batch of the plan (the
// weights, optimizer and dropout counter are left exactly as they were), or taken from the run's last steps.
import Foundation

public struct TrainPlan: Sendable {
    public var conversations = 0
    public var stepsPerEpoch = 0
    public var epochs = 0
    public var totalSteps = 0          // the schedule
    public var firstStep = 0           // the first step this call runs (1-based)
    public var steps = 0               // steps this call runs
    public var tokens = 0              // tokens of the conversations the steps read, after cutting
    public var trainedTokens = 0       // of which trained
    public var positions = 0           // B x T of every batch: what the CPU runs
    public var cutSamples = 0          // conversations of the set longer than max-seq-len
    public var cutTrainedTokens = 0    // trained tokens those lose
    public var tokensPerSecond: Double?
    public var speedSource = ""        // "measured now" or "last run"
    public var peakBytes = 0

    public var predictedSeconds: Double? { tokensPerSecond.map { Double(positions) / max($0, 1e-9) } }

    /// The plan of `steps` steps from `position` of a run over `batches`.
    public static func make(_ batches: BatchPlan, hyper: Hyperparameters, from position: TrainPosition, steps: Int) -> TrainPlan {
        var p = TrainPlan()
        let per = (batches.batchesPerEpoch + hyper.gradAccum - 1) / hyper.gradAccum
        p.conversations = batches.chats.count
        p.stepsPerEpoch = per
        p.epochs = hyper.epochs
        p.totalSteps = hyper.epochs * per
        p.firstStep = position.step + 1
        p.steps = steps
        for c in batches.chats where c.tokens.count > batches.maxSeqLen {
            p.cutSamples += 1
            p.cutTrainedTokens += c.trained[batches.maxSeqLen...].filter { $0 }.count
        }
        // Walk the batch order exactly as Trainer.nextBatches does.
        var epoch = position.epoch, index = position.batch
        var order = batches.order(epoch: epoch)
        for _ in 0..<steps {
            if index >= order.count { epoch += 1; index = 0; order = batches.order(epoch: epoch) }
            let end = min(order.count, index + hyper.gradAccum)
            for b in order[index..<end] {
                let lens = b.map { min(batches.chats[$0].tokens.count, batches.maxSeqLen) }
                p.positions += b.count * max(1, (lens.max() ?? 1) - 1)
                p.tokens += lens.reduce(0, +)
                p.trainedTokens += b.reduce(0) { s, i in s + batches.chats[i].trained.prefix(batches.maxSeqLen).dropFirst().filter { $0 }.count }
            }
            index = end
            if index >= batches.batchesPerEpoch { epoch += 1; index = 0; order = batches.order(epoch: epoch) }
        }
        return p
    }

    /// Bytes a training step needs beyond the model itself: activations of the widest batch (attention
    /// probabilities capped as the forward caps them), gradients and AdamW moments of the trainable buffer.
    public static func stepBytes(config c: ModelConfig, batch B: Int, length T: Int, trainable: Int, modelParameters: Int, full: Bool) -> Int {
        let n = B * T, L = c.numLayers
        let perToken = L * (6 * c.hiddenSize + 2 * c.kvDim + 2 * c.intermediateSize) + c.hiddenSize + c.intermediateSize
        let probs = min(512 << 20, L * B * c.numHeads * T * T * 4)
        let grads = (full ? modelParameters : trainable) * 4
        return n * perToken * 4 * 2 + probs + grads + 2 * trainable * 4
    }
}

extension Trainer {
    /// Tokens per second of one forward+backward over `batch` on the live model, the best of two runs (the first
    /// also warms up the activation buffers). Weights, moments and the dropout counter are left as they were;
    /// the gradients it leaves are zeroed by the next step.
    public func measureSpeed(_ batch: Batch) throws -> Double {
        let dropout = transformer.dropoutStep
        defer { transformer.dropoutStep = dropout; gradientsZeroed = false }
        var best = Double.infinity
        for _ in 0..<2 {
            let t0 = Date()
            _ = try gradients([batch])
            best = min(best, Date().timeIntervalSince(t0))
        }
        // AdamW's pass over the trainable buffer (about 0.75 ns a parameter here) belongs to every step too.
        let optimizerSeconds = Double(trainableCount) * 0.75e-9 / Double(max(1, hyper.gradAccum))
        return Double(batch.batchSize * batch.seqLen) / (best + optimizerSeconds)
    }

    /// The batch of median padded length among the next `steps` steps' batches (what measureSpeed times).
    public func medianBatch() -> Batch {
        let order = plan.order(epoch: position.epoch)
        let sorted = order.sorted { a, b in
            a.map { plan.chats[$0].tokens.count }.max() ?? 0 < b.map { plan.chats[$0].tokens.count }.max() ?? 0
        }
        return plan.batch(sorted[sorted.count / 2])
    }
}
