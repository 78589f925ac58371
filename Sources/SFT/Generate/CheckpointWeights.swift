// Answering with a checkpoint without making it live: `serve` lets a request pick `ckpt:N`. The checkpoint's
// trained weights (the LoRA buffer, or every weight in full mode) are swapped into the model for the call and
// the live weights put back bit for bit afterwards; the optimizer, position and metrics are never touched.
// The caller holds the LiveModelGate, so nobody else sees the swapped weights.
import Foundation

extension Trainer {
    /// Runs `body` with checkpoint `index` (0-based) as the model's weights (LoRA switched on in LoRA mode),
    /// then restores the live weights and the LoRA on/off state.
    public func withCheckpointWeights<T>(_ index: Int, _ body: () throws -> T) throws -> T {
        guard checkpoints.indices.contains(index) else {
            throw SFTError("there is no checkpoint \(index + 1)", hint: checkpoints.isEmpty
                           ? "the training run has no checkpoints" : "checkpoints are 1...\(checkpoints.count)")
        }
        let (p, _) = trainable
        let live = Array(p.pointer)
        let wasEnabled = transformer.lora?.enabled
        checkpoints[index].weights.withUnsafeBufferPointer { p.base.update(from: $0.baseAddress!, count: p.count) }
        transformer.lora?.enabled = true
        transformer.invalidateDecodeWeights()
        defer {
            live.withUnsafeBufferPointer { p.base.update(from: $0.baseAddress!, count: p.count) }
            if let wasEnabled { transformer.lora?.enabled = wasEnabled }
            transformer.invalidateDecodeWeights()
        }
        return try body()
    }
}
