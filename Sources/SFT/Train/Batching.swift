// Turns rendered chats into padded (B, T) batches for training: next-token targets and a loss mask that is
// true only where the target token is trained (assistant replies and their end token) and never on padding.
// Length-aware: each epoch shuffles with a seeded RNG, sorts windows of 32 batches by length and cuts them
// into batches, then shuffles the batch order, so a batch holds chats of similar length and padding stays small.
// The order is a pure function of (seed, epoch), so resuming needs only (epoch, batch index).

public struct Batch: Sendable {
    public var batchSize: Int          // B (rows; the last batch of an epoch may have fewer)
    public var seqLen: Int             // T
    public var inputs: [Int32]         // (B, T) token ids, padding = 0
    public var targets: [Int32]        // (B, T) the next token, 0 where masked
    public var mask: [Bool]            // (B, T) loss is computed where true
    public var samples: [Int]          // indices of the chats in this batch
    public var segments: [[Int]]? = nil // packed rows (Packing.swift): per row, where each chat starts
    public var trainedTokens: Int { mask.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

public struct BatchPlan: Sendable {
    public let chats: [RenderedChat]
    public let batchSize: Int
    public let maxSeqLen: Int
    public let seed: UInt64

    public init(chats: [RenderedChat], batchSize: Int, maxSeqLen: Int, seed: UInt64) {
        self.chats = chats
        self.batchSize = max(1, batchSize)
        self.maxSeqLen = maxSeqLen
        self.seed = seed
    }

    public var batchesPerEpoch: Int { (chats.count + batchSize - 1) / batchSize }

    /// The sample indices of every batch of `epoch`, in training order.
    public func order(epoch: Int) -> [[Int]] {
        var rng = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        var idx = Array(chats.indices)
        rng.shuffle(&idx)
        let window = batchSize * 32
        var batches: [[Int]] = []
        for start in stride(from: 0, to: idx.count, by: window) {
            let part = idx[start..<min(idx.count, start + window)].sorted { chats[$0].tokens.count < chats[$1].tokens.count }
            for b in stride(from: 0, to: part.count, by: batchSize) {
                batches.append(Array(part[(part.startIndex + b)..<min(part.endIndex, part.startIndex + b + batchSize)]))
            }
        }
        rng.shuffle(&batches)
        return batches
    }

    /// Pads the chats `samples` into one batch. Chats longer than maxSeqLen are cut (their tail is dropped).
    public func batch(_ samples: [Int]) -> Batch {
        let lens = samples.map { min(chats[$0].tokens.count, maxSeqLen) }
        // Inputs are tokens[0..<n-1], targets tokens[1..<n]: a chat of n tokens gives n-1 positions.
        let T = max(1, (lens.max() ?? 1) - 1)
        let B = samples.count
        var inputs = [Int32](repeating: 0, count: B * T)
        var targets = [Int32](repeating: 0, count: B * T)
        var mask = [Bool](repeating: false, count: B * T)
        for (row, s) in samples.enumerated() {
            let chat = chats[s]
            let n = lens[row]
            for t in 0..<max(0, n - 1) {
                inputs[row * T + t] = chat.tokens[t]
                targets[row * T + t] = chat.tokens[t + 1]
                mask[row * T + t] = chat.trained[t + 1]
            }
        }
        return Batch(batchSize: B, seqLen: T, inputs: inputs, targets: targets, mask: mask, samples: samples)
    }
}
