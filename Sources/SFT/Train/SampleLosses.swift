// Per-sample losses: for each rendered chat, the mean loss of its trained tokens under the live model (with
// its adapters), and the trained-token count; plus the IFD score of Cherry LLM (arXiv 2308.12032), the answer's
// loss given the instruction over the answer's loss alone. Forward-only, batched by length like
// Trainer.evaluate (every core through the GEMMs), cancellable with Ctrl-C, with a progress callback.
// `data score` and `eval --per-sample` are built on `SampleLosses.compute`; nothing here prints.
import Foundation

/// One sample's score: the mean loss of its trained tokens (nan when it has none) and their count.
public struct ChatLoss: Equatable, Sendable {
    public var loss: Double
    public var tokens: Int
    public init(loss: Double, tokens: Int) { self.loss = loss; self.tokens = tokens }
    public var perplexity: Double { exp(loss) }
}

/// A sample's data-quality scores: loss (perplexity) of the trained tokens with the full context, and when the
/// sample has an instruction, the same answer tokens scored alone and IFD = loss / answerOnlyLoss.
public struct SampleScore: Equatable, Sendable {
    public var loss: Double
    public var tokens: Int
    public var answerOnlyLoss: Double?
    public var perplexity: Double { exp(loss) }
    /// Above 1: the instruction makes the answer harder to predict, i.e. the answer does not follow from it.
    public var ifd: Double? { answerOnlyLoss.flatMap { $0 > 0 && loss.isFinite ? loss / $0 : nil } }
    public init(loss: Double, tokens: Int, answerOnlyLoss: Double?) {
        self.loss = loss; self.tokens = tokens; self.answerOnlyLoss = answerOnlyLoss
    }
}

public enum SampleLosses {
    public static let cancelled = SFTError("scoring cancelled", hint: "nothing was changed; run the command again")

    /// The mean loss of each chat's trained tokens, in the order of `chats`. Chats are cut to `maxSeqLen`
    /// tokens (their tail dropped, as training does) and run `batchSize` at a time, sorted by length so padding
    /// stays small. `progress(done, total)` is called after each batch with chats done. Ctrl-C throws `cancelled`.
    /// Sum over chats of loss * tokens / sum of tokens equals Trainer.evaluate's mean on the same chats.
    public static func compute(transformer: Transformer, chats: [RenderedChat], batchSize: Int, maxSeqLen: Int,
                               progress: ((Int, Int) -> Void)? = nil) throws -> [ChatLoss] {
        let plan = BatchPlan(chats: chats, batchSize: batchSize, maxSeqLen: maxSeqLen, seed: 0)
        // longest first: the first batch sizes the activations and every later, shorter one reuses them
        let byLength = chats.indices.sorted { chats[$0].tokens.count > chats[$1].tokens.count }
        var out = [ChatLoss](repeating: ChatLoss(loss: .nan, tokens: 0), count: chats.count)
        var done = 0
        for start in stride(from: 0, to: byLength.count, by: plan.batchSize) {
            if Cancellation.requested { throw cancelled }
            let rows = Array(byLength[start..<min(byLength.count, start + plan.batchSize)])
            let b = plan.batch(rows)
            if b.trainedTokens > 0 {
                try transformer.forward(tokens: b.inputs, targets: b.targets, mask: b.mask.map { $0 ? 1 : 0 },
                                        batch: b.batchSize, length: b.seqLen)
                let losses = transformer.lastPositionLosses   // (B, T)
                for (row, s) in rows.enumerated() {
                    var sum = 0.0, n = 0
                    for t in 0..<b.seqLen where b.mask[row * b.seqLen + t] {
                        sum += Double(losses[row * b.seqLen + t]); n += 1
                    }
                    out[s] = ChatLoss(loss: n > 0 ? sum / Double(n) : .nan, tokens: n)
                }
            }
            done += rows.count
            progress?(done, chats.count)
        }
        return out
    }

    /// Loss, perplexity and IFD per sample: `withInstruction[i]` is the sample as trained; `answerOnly[i]`
    /// (nil for samples without an instruction, e.g. plain text) the same answers rendered with no user turn.
    /// Both sets run in one pass of `compute`; progress counts both.
    public static func scores(transformer: Transformer, withInstruction: [RenderedChat], answerOnly: [RenderedChat?],
                              batchSize: Int, maxSeqLen: Int, progress: ((Int, Int) -> Void)? = nil) throws -> [SampleScore] {
        precondition(withInstruction.count == answerOnly.count)
        let alone = answerOnly.enumerated().compactMap { i, c in c.map { (i, $0) } }
        let all = withInstruction + alone.map(\.1)
        let losses = try compute(transformer: transformer, chats: all, batchSize: batchSize, maxSeqLen: maxSeqLen, progress: progress)
        var out = withInstruction.indices.map { SampleScore(loss: losses[$0].loss, tokens: losses[$0].tokens, answerOnlyLoss: nil) }
        for (k, (i, _)) in alone.enumerated() { out[i].answerOnlyLoss = losses[withInstruction.count + k].loss }
        return out
    }
}
