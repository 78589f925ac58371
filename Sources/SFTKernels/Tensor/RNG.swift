// RNG: the one seeded random generator (xoshiro256**, seeded through SplitMix64). Its state is four public
// UInt64s and Codable, so a session can save and restore it exactly and replay sampling/shuffling bit for bit.

public struct RNG: RandomNumberGenerator, Codable, Equatable, Hashable, Sendable {
    public var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// SplitMix64 expands the seed into the four state words (never all zero).
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = RNG.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }
}

// SplitMix64: a small generator for streams derived from the session seed (per-epoch data order, LoRA init),
// and our own shuffle, because the standard library's algorithm is not promised to stay the same.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser alone: a stateless hash, e.g. for dropout masks keyed by (seed, step, layer).
    @inline(__always) public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 bits (the same as nextFloat; LoRA init uses this name).
    public mutating func nextUnitFloat() -> Float { nextFloat() }

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
