// Sampler: picks the next token from a logits vector (V floats) with HF generate() semantics, in HF's order:
// repetition penalty (divide positive logits, multiply negative ones, over the ids seen) -> temperature
// (0 = greedy argmax, lowest id on ties) -> top-k -> top-p -> min-p -> draw one id with the seeded RNG.
// `distribution` returns the filtered, normalised candidates so tests can check each step exactly.
import Foundation

public struct SamplerConfig: Codable, Equatable, Hashable, Sendable {
    /// 0 means greedy.
    public var temperature: Float
    /// 0 means off.
    public var topK: Int
    /// 1 means off.
    public var topP: Float
    /// 0 means off.
    public var minP: Float
    /// 1 means off.
    public var repetitionPenalty: Float

    public init(temperature: Float = 0.7, topK: Int = 0, topP: Float = 1, minP: Float = 0, repetitionPenalty: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
    }

    public static let greedy = SamplerConfig(temperature: 0)
}

public enum Sampler {
    /// HF RepetitionPenaltyLogitsProcessor: each distinct seen id once; logit > 0 divided by penalty, else multiplied.
    public static func applyRepetitionPenalty(_ logits: inout [Float], seen: [Int32], penalty: Float) {
        guard penalty != 1 else { return }
        var done = Set<Int32>()
        for id in seen where Int(id) >= 0 && Int(id) < logits.count && done.insert(id).inserted {
            let l = logits[Int(id)]
            logits[Int(id)] = l > 0 ? l / penalty : l * penalty
        }
    }

    /// Index of the largest value, lowest index on ties.
    public static func argmax(_ x: [Float]) -> Int32 {
        var best = 0
        for i in 1..<max(x.count, 1) where x[i] > x[best] { best = i }
        return Int32(best)
    }

    /// Candidates after penalty, temperature, top-k, top-p and min-p, sorted by probability (highest first,
    /// lowest id on ties), probabilities renormalised to sum to 1. Greedy gives the argmax with probability 1.
    /// Tokens more than 40 nats below the best (probability ratio < 4e-18) are dropped up front: they cannot
    /// change a Float cumulative sum.
    public static func distribution(logits input: [Float], seen: [Int32], config c: SamplerConfig) -> [(id: Int32, p: Float)] {
        var logits = input
        applyRepetitionPenalty(&logits, seen: seen, penalty: c.repetitionPenalty)
        if c.temperature <= 0 || logits.count < 2 { return logits.isEmpty ? [] : [(argmax(logits), Float(1))] }
        let invT = 1 / c.temperature
        var maxL = -Float.infinity
        for l in logits where l > maxL { maxL = l }
        guard maxL.isFinite else { return [(argmax(logits), 1)] }
        let floor = maxL * invT - 40
        var cand: [(id: Int32, l: Float)] = []
        for (i, l) in logits.enumerated() where l * invT >= floor { cand.append((Int32(i), l * invT)) }
        cand.sort { $0.l != $1.l ? $0.l > $1.l : $0.id < $1.id }
        // top-k: keep the k best (and any tied with the k-th, as HF's `scores < kth value` test does).
        if c.topK > 0 && c.topK < cand.count {
            let kth = cand[c.topK - 1].l
            var n = c.topK
            while n < cand.count && cand[n].l == kth { n += 1 }
            cand.removeLast(cand.count - n)
        }
        var probs = softmax(cand.map(\.l))
        // top-p (HF TopPLogitsWarper): in ascending order, drop tokens whose cumulative mass <= 1 - top_p; keep the best.
        if c.topP < 1 {
            var cum: Float = 0
            var keep = cand.count
            for j in stride(from: cand.count - 1, to: 0, by: -1) {
                cum += probs[j]
                if cum <= 1 - c.topP { keep = j } else { break }
            }
            cand.removeLast(cand.count - keep)
            probs = softmax(cand.map(\.l))
        }
        // min-p: drop tokens with p < min_p * p_max.
        if c.minP > 0 {
            let threshold = c.minP * probs[0]
            var keep = 1
            while keep < cand.count && probs[keep] >= threshold { keep += 1 }
            cand.removeLast(cand.count - keep)
            probs = softmax(cand.map(\.l))
        }
        return zip(cand, probs).map { ($0.id, $1) }
    }

    /// Draws the next id. Greedy does not consume randomness; otherwise exactly one RNG draw.
    public static func sample(logits: [Float], seen: [Int32], config: SamplerConfig, rng: inout RNG) -> Int32 {
        precondition(!logits.isEmpty, "sampling from empty logits")
        let d = distribution(logits: logits, seen: seen, config: config)
        if config.temperature <= 0 { return d[0].id }
        let u = Float(rng.nextDouble())
        var cum: Float = 0
        for (id, p) in d {
            cum += p
            if u < cum { return id }
        }
        return d[d.count - 1].id
    }

    static func softmax(_ x: [Float]) -> [Float] {
        guard let m = x.max() else { return [] }
        var e = x.map { expf($0 - m) }
        let s = e.reduce(0, +)
        for i in e.indices { e[i] /= s }
        return e
    }
}
