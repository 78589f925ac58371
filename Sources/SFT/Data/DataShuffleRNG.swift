// The seeded draws of the data operations (split, sample, shuffle), so the same seed gives the same split on
// every machine.

/// The data operations' generator is the session's SplitMix64 (Tensor/RNG.swift); these are the two draws
/// split and sample use, kept exact so seeded splits stay the same.
public typealias DataShuffleRNG = SplitMix64

extension SplitMix64 {
    /// A uniform integer in 0..<n (n > 0), by Lemire's multiply-shift with rejection.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        while true {
            let r = next().multipliedFullWidth(by: bound)
            if r.low >= (0 &- bound) % bound { return Int(r.high) }
        }
    }

    /// Fisher-Yates shuffle of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, below(i + 1)) }
        return p
    }
}
