// In-memory checkpoints of a Trainer: a copy of the trained weights (the LoRA buffer, or every weight in full
// mode), the AdamW moments and step count, the run's position and metrics, plus what the model answered to a
// held-out prompt at that point. `restore` makes a checkpoint the live state: chat uses its weights and the next
// training step continues from there. The best checkpoint is the one with the lowest validation loss.
import Foundation

public struct TrainCheckpoint: Sendable {
    public var step: Int
    public var trainLoss: Double?    // mean train loss of the steps since the previous checkpoint
    public var validLoss: Double?
    public var prompt: String?
    public var answer: String?
    public let weights: [Float]      // trainable buffer
    let m: [Float], v: [Float]
    let adamSteps: Int
    let position: TrainPosition
    let metrics: MetricsLog
    let dropoutStep: UInt64
    let hyper: Hyperparameters

    /// Bytes held by this checkpoint (weights + two moments).
    public var bytes: Int { (weights.count + m.count + v.count) * MemoryLayout<Float>.stride }
}

extension Trainer {
    /// Saves the live state as a checkpoint; returns its index (1-based as `checkpoints` lists them).
    @discardableResult
    public func saveCheckpoint(validLoss: Double?, prompt: String?, answer: String?) -> Int {
        let (p, _) = trainable
        let since = checkpoints.last?.step ?? 0
        let recent = metrics.steps.filter { $0.step > since && !$0.skipped }.map(\.loss)
        let ck = TrainCheckpoint(step: position.step, trainLoss: recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count),
                                 validLoss: validLoss, prompt: prompt, answer: answer,
                                 weights: Array(p.pointer), m: Array(optimizer.m.pointer), v: Array(optimizer.v.pointer),
                                 adamSteps: optimizer.steps, position: position, metrics: metrics,
                                 dropoutStep: transformer.dropoutStep, hyper: hyper)
        checkpoints.append(ck)
        return checkpoints.count
    }

    /// Index (0-based) of the checkpoint with the lowest validation loss, if any has one.
    public var bestCheckpoint: Int? {
        checkpoints.indices.filter { checkpoints[$0].validLoss?.isFinite == true }
            .min { checkpoints[$0].validLoss! < checkpoints[$1].validLoss! }
    }

    /// Makes checkpoint `index` (0-based) the live state: weights, optimizer, position, metrics.
    public func restore(checkpoint index: Int) throws {
        guard checkpoints.indices.contains(index) else {
            throw SFTError("there is no checkpoint \(index + 1)", hint: checkpoints.isEmpty
                           ? "set save-steps N so training keeps checkpoints" : "`checkpoints` lists 1...\(checkpoints.count)")
        }
        let ck = checkpoints[index]
        let (p, _) = trainable
        ck.weights.withUnsafeBufferPointer { p.base.update(from: $0.baseAddress!, count: p.count) }
        optimizer.restore(m: ck.m, v: ck.v, steps: ck.adamSteps)
        position = ck.position
        metrics = ck.metrics
        transformer.dropoutStep = ck.dropoutStep
        transformer.invalidateDecodeWeights()
    }
}
