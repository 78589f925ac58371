// Answering with other weights for a moment: the base model (LoRA adapters off, or a full run's weights from
// before training) or a checkpoint, then the live weights back exactly as they were. `compare` and the probes'
// base answers use these; the live run's optimizer state and position are never touched.
import Foundation

extension Transformer {
    /// Runs `body` with the LoRA adapters switched off (no-op without adapters), then restores the switch.
    public func withAdaptersOff<T>(_ body: () throws -> T) rethrows -> T {
        guard let lora, lora.enabled else { return try body() }
        lora.enabled = false
        invalidateDecodeWeights()
        defer { lora.enabled = true; invalidateDecodeWeights() }
        return try body()
    }

    /// Runs `body` with `weights` copied into `buffer` (a trainable buffer of this model), then copies the live
    /// values back.
    func withWeights<T>(_ weights: [Float], in buffer: FloatBuffer, _ body: () throws -> T) throws -> T {
        guard weights.count == buffer.count else {
            throw SFTError("those weights are for another model (\(weights.count) values, \(buffer.count) here)", hint: "compare within one run")
        }
        let live = Array(buffer.pointer)
        weights.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: buffer.count) }
        invalidateDecodeWeights()
        defer {
            live.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: buffer.count) }
            invalidateDecodeWeights()
        }
        return try body()
    }
}

extension TrainingRun {
    /// Runs `body` with the base model: a full run's weights from before training, or a LoRA run's adapters off.
    public func withBase<T>(_ body: () throws -> T) throws -> T {
        let t = trainer.transformer
        if let base = baseWeights { return try t.withWeights(base, in: t.params.storage, body) }
        return try t.withAdaptersOff(body)
    }

    /// Runs `body` with checkpoint `number`'s trained weights (adapters on), then the live weights back.
    public func withCheckpoint<T>(_ number: Int, _ body: () throws -> T) throws -> T {
        guard checkpoints.indices.contains(number - 1) else {
            throw SFTError("there is no checkpoint \(number)", hint: checkpoints.isEmpty ? "set save-steps N so training keeps checkpoints"
                                                                                : "`checkpoints` lists checkpoints 1 to \(checkpoints.count)")
        }
        let w = try checkpoints[number - 1].snapshot.buffers.weights()
        let t = trainer.transformer
        let buffer = mode == .lora ? t.lora!.params : t.params.storage
        let wasOn = t.lora?.enabled ?? false
        if mode == .lora { t.lora?.enabled = true }
        defer { if mode == .lora { t.lora?.enabled = wasOn } }
        return try t.withWeights(w, in: buffer, body)
    }
}
