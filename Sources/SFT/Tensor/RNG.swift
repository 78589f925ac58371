// SplitMix64: the one seeded generator of a session. Small Codable state, so a saved session restores the
// exact stream (data order, LoRA init, dropout, sampling). Our own shuffle, because the standard library's
// algorithm is not promised to stay the same across versions.

public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits of mantissa.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform integer in 0..<n (Lemire's multiply-shift; the tiny bias is irrelevant here).
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0)
        return Int((UInt128(next()) * UInt128(n)) >> 64)
    }

    /// Fisher-Yates, fixed forever so a seed always gives the same order.
    public mutating func shuffle<T>(_ a: inout [T]) {
        if a.count < 2 { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, nextInt(below: i + 1))
        }
    }
}
