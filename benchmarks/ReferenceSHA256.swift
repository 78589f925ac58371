// The hand-written SHA-256 (FIPS 180-4) the repository used before swift-crypto, kept as the bench's reference:
// `sft-bench sha` prints `repo verify` MB/s for both (issue 14: keep ours only within 20% of swift-crypto). Streaming: `update` any number of times,
// then `finalize`. The compression function works on whole 64-byte blocks straight from the caller's memory;
// only the tail of an update is copied into the 64-byte pending buffer. Not constant-time: it hashes files,
// not secrets.
import Foundation
import SFT

struct ReferenceSHA256: Sendable {
    /// The eight chaining words H0..H7.
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// Bytes not yet compressed (fewer than 64), and their count.
    private var pending = [UInt8](repeating: 0, count: 64)
    private var pendingCount = 0
    /// Total message length in bytes.
    private var length: UInt64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        length &+= UInt64(n)
        if pendingCount > 0 {
            let take = min(64 - pendingCount, n)
            pending.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: pendingCount).copyMemory(from: p, byteCount: take) }
            pendingCount += take
            p += take
            n -= take
            if pendingCount < 64 { return }
            pending.withUnsafeBytes { ReferenceSHA256.compress(&h, $0.baseAddress!, blocks: 1) }
            pendingCount = 0
        }
        let blocks = n / 64
        if blocks > 0 {
            ReferenceSHA256.compress(&h, p, blocks: blocks)
            p += blocks * 64
            n -= blocks * 64
        }
        if n > 0 {
            pending.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            pendingCount = n
        }
    }

    /// Pads, compresses the last block(s) and returns the 32-byte digest. The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = [UInt8](repeating: 0, count: pendingCount < 56 ? 64 : 128)
        for i in 0..<pendingCount { tail[i] = pending[i] }
        tail[pendingCount] = 0x80
        for i in 0..<8 { tail[tail.count - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
        tail.withUnsafeBytes { ReferenceSHA256.compress(&h, $0.baseAddress!, blocks: tail.count / 64) }
        pendingCount = 0
        let words = [h.0, h.1, h.2, h.3, h.4, h.5, h.6, h.7]
        return words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * UInt32($0))) } }
    }

    /// Hashes a file by reading it in 4 MiB chunks, as `SHA256.hash(file:)` does; returns the hex digest and the
    /// byte count.
    static func hash(file path: String) throws -> (hex: String, size: Int64) {
        var s = ReferenceSHA256()
        let size = try AtomicFile.readChunks(of: path) { s.update($0) }
        return (SHA256.hex(s.finalize()), size)
    }

    // MARK: compression (FIPS 180-4 section 6.2.2)

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// Compresses `blocks` consecutive 64-byte blocks at `p` into the chaining state.
    /// The schedule W lives in a 16-word ring, computed as the rounds need it; rounds are unrolled by 16 so
    /// every ring index is a constant, and the eight working variables are renamed instead of shifted.
    private static func compress(_ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                 _ p: UnsafeRawPointer, blocks: Int) {
        k.withUnsafeBufferPointer { kp in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
                var (h0, h1, h2, h3, h4, h5, h6, h7) = h
                for blk in 0..<blocks {
                    let m = p + blk * 64
                    var (a, b, c, d, e, f, g, hh) = (h0, h1, h2, h3, h4, h5, h6, h7)
                    // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t];  T2 = Σ0(a) + Maj(a,b,c);  d += T1;  h = T1 + T2
                    @inline(__always) func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                                                 _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
                        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (((f ^ g) & e) ^ g) &+ kw
                        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ (((a ^ b) & (b ^ c)) ^ b)
                        d = d &+ t1
                        h = t1 &+ t2
                    }
                    // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], kept in w[t % 16].
                    @inline(__always) func schedule(_ i: Int) -> UInt32 {
                        let x = w[(i + 1) & 15], y = w[(i + 14) & 15]
                        let v = w[i] &+ (rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)) &+ w[(i + 9) & 15] &+ (rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10))
                        w[i] = v
                        return v
                    }
                    @inline(__always) func load(_ i: Int) -> UInt32 {
                        let v = UInt32(bigEndian: m.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                        w[i] = v
                        return v
                    }
                    @inline(__always) func sixteen(_ t: Int, _ word: (Int) -> UInt32) {
                        round(a, b, c, &d, e, f, g, &hh, kp[t] &+ word(0))
                        round(hh, a, b, &c, d, e, f, &g, kp[t + 1] &+ word(1))
                        round(g, hh, a, &b, c, d, e, &f, kp[t + 2] &+ word(2))
                        round(f, g, hh, &a, b, c, d, &e, kp[t + 3] &+ word(3))
                        round(e, f, g, &hh, a, b, c, &d, kp[t + 4] &+ word(4))
                        round(d, e, f, &g, hh, a, b, &c, kp[t + 5] &+ word(5))
                        round(c, d, e, &f, g, hh, a, &b, kp[t + 6] &+ word(6))
                        round(b, c, d, &e, f, g, hh, &a, kp[t + 7] &+ word(7))
                        round(a, b, c, &d, e, f, g, &hh, kp[t + 8] &+ word(8))
                        round(hh, a, b, &c, d, e, f, &g, kp[t + 9] &+ word(9))
                        round(g, hh, a, &b, c, d, e, &f, kp[t + 10] &+ word(10))
                        round(f, g, hh, &a, b, c, d, &e, kp[t + 11] &+ word(11))
                        round(e, f, g, &hh, a, b, c, &d, kp[t + 12] &+ word(12))
                        round(d, e, f, &g, hh, a, b, &c, kp[t + 13] &+ word(13))
                        round(c, d, e, &f, g, hh, a, &b, kp[t + 14] &+ word(14))
                        round(b, c, d, &e, f, g, hh, &a, kp[t + 15] &+ word(15))
                    }
                    sixteen(0, load)
                    sixteen(16, schedule)
                    sixteen(32, schedule)
                    sixteen(48, schedule)
                    h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
                    h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ hh
                }
                h = (h0, h1, h2, h3, h4, h5, h6, h7)
            }
        }
    }
}
