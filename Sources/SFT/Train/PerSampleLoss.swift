// Per-sample losses for `eval --per-sample`: each conversation's mean loss over its trained tokens under the
// live model, forward only, one conversation at a time (so padding never mixes samples), stoppable with Ctrl-C.
// Ranked worst first, a mislabelled sample (an answer that does not follow from its question) stands out.
import Foundation

public struct SampleLoss: Equatable, Sendable {
    public var index: Int          // 0-based position in the dataset
    public var loss: Double        // mean over trained tokens
    public var trainedTokens: Int
}

public enum PerSampleLoss {
    /// Losses of every chat that has trained tokens within `maxSeqLen`, in dataset order; `progress(done)`
    /// after each. Stops early (returning what it has) on Ctrl-C.
    public static func compute(transformer: Transformer, chats: [RenderedChat], maxSeqLen: Int,
                               progress: (Int) -> Void = { _ in }) throws -> [SampleLoss] {
        let plan = BatchPlan(chats: chats, batchSize: 1, maxSeqLen: maxSeqLen, seed: 0)
        var out: [SampleLoss] = []
        for i in chats.indices {
            if Cancellation.requested { break }
            let b = plan.batch([i])
            let n = b.trainedTokens
            if n > 0 {
                let loss = try transformer.forward(tokens: b.inputs, targets: b.targets, mask: b.mask.map { $0 ? 1 : 0 },
                                                   batch: 1, length: b.seqLen)
                out.append(SampleLoss(index: i, loss: Double(loss), trainedTokens: n))
            }
            progress(i + 1)
        }
        return out
    }
}
