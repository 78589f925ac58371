// Packed batches: the same conversations a step would pad into (B, T) rows instead share rows of up to
// max-seq-len - 1 positions, placed first-fit by decreasing length; each row records where its conversations
// start (`Batch.segments`), and the model keeps attention inside each conversation and restarts its positions,
// so losses and gradients equal the padded batch's while the compute spent on padding mostly goes away.
// `batch-size` keeps its meaning: conversations per micro-batch, packed or not.

extension BatchPlan {
    /// Packs the chats `samples` (cut to maxSeqLen tokens like `batch`) into as few rows as fit; T is the
    /// fullest row. Chats of one token (no target) are left out; they add nothing to the loss.
    public func packedBatch(_ samples: [Int]) -> Batch {
        // a chat of n tokens gives n-1 positions (inputs tokens[0..<n-1], targets tokens[1..<n])
        let positions = samples.map { max(0, min(chats[$0].tokens.count, maxSeqLen) - 1) }
        let capacity = max(1, maxSeqLen - 1, positions.max() ?? 1)
        var rows: [[Int]] = [], fill: [Int] = []   // rows hold indices into `samples`
        for j in samples.indices.sorted(by: { positions[$0] > positions[$1] }) where positions[j] > 0 {
            if let r = fill.firstIndex(where: { $0 + positions[j] <= capacity }) { rows[r].append(j); fill[r] += positions[j] }
            else { rows.append([j]); fill.append(positions[j]) }
        }
        if rows.isEmpty { rows = [[]]; fill = [0] }
        let B = rows.count, T = max(1, fill.max()!)
        var inputs = [Int32](repeating: 0, count: B * T)
        var targets = [Int32](repeating: 0, count: B * T)
        var mask = [Bool](repeating: false, count: B * T)
        var segments: [[Int]] = []
        for (r, row) in rows.enumerated() {
            var starts: [Int] = [], at = 0
            for j in row {
                let chat = chats[samples[j]]
                starts.append(at)
                for t in 0..<positions[j] {
                    inputs[r * T + at + t] = chat.tokens[t]
                    targets[r * T + at + t] = chat.tokens[t + 1]
                    mask[r * T + at + t] = chat.trained[t + 1]
                }
                at += positions[j]
            }
            segments.append(starts.isEmpty ? [0] : starts)
        }
        return Batch(batchSize: B, seqLen: T, inputs: inputs, targets: targets, mask: mask, samples: samples, segments: segments)
    }
}
