// LiveInt8Copy: `quantize int8`'s copy of the live model, kept in step with it. The copy remembers what it was
// made from (a stamp: which model, which adapter, on or off, a checksum of the adapter's numbers, the
// model's weights version); `follow` compares the live model with that and rebuilds the copy when answers
// would differ, returning why ("the adapter was turned off"), so the shell can say it in one line.
// Base weights are compared by Transformer.weightsVersion first (bumped by training and every in-place
// change) and only then by checksum, so a command that merely touched the version rebuilds nothing.
import Foundation

public final class LiveInt8Copy: @unchecked Sendable {
    public private(set) var model: Int8Model

    struct Stamp {
        var transformer: ObjectIdentifier
        var version: UInt64
        var baseSum: UInt64
        var lora: ObjectIdentifier?
        var loraOn: Bool
        var loraSum: UInt64
    }
    private var stamp: Stamp

    /// Quantizes `t` (adapter merged when attached and on).
    public init(_ t: Transformer) {
        model = Int8Model(params: t.params, lora: t.lora)
        stamp = Self.stamp(t, baseSum: nil)
    }

    /// Rebuilds the copy when `t` answers differently from it; returns why, or nil when it is current.
    @discardableResult
    public func follow(_ t: Transformer) -> String? {
        let old = stamp
        var why: String?
        if ObjectIdentifier(t) != old.transformer {
            why = "another model was loaded"
        } else if old.lora != t.lora.map({ ObjectIdentifier($0) }) {
            why = t.lora == nil ? "the adapter was dropped" : old.lora == nil ? "an adapter was attached" : "another adapter was attached"
            if t.lora != nil && !(t.lora!.enabled) && !old.loraOn { why = nil }     // swapped while off: same answers
        } else if old.loraOn != (t.lora?.enabled ?? false) {
            why = old.loraOn ? "the adapter was turned off" : "the adapter was turned on"
        } else if old.loraOn, let l = t.lora, Self.checksum(l.params.base, l.params.count) != old.loraSum {
            why = "the adapter's weights changed"
        }
        if why == nil, t.weightsVersion != old.version {
            let sum = Self.checksum(t.params.storage.base, t.params.storage.count)
            if sum != old.baseSum { why = "the model's weights changed" }
            stamp.version = t.weightsVersion              // same numbers: remember the version, rebuild nothing
        }
        guard let why else { return nil }
        model = Int8Model(params: t.params, lora: t.lora)
        stamp = Self.stamp(t, baseSum: nil)
        return why
    }

    static func stamp(_ t: Transformer, baseSum: UInt64?) -> Stamp {
        let on = t.lora?.enabled ?? false
        return Stamp(transformer: ObjectIdentifier(t), version: t.weightsVersion,
                     baseSum: baseSum ?? checksum(t.params.storage.base, t.params.storage.count),
                     lora: t.lora.map({ ObjectIdentifier($0) }), loraOn: on,
                     loraSum: t.lora.map { checksum($0.params.base, $0.params.count) } ?? 0)
    }

    /// A position-sensitive checksum of the bit patterns (two running sums over 16 lanes, Fletcher style).
    static func checksum(_ p: UnsafePointer<Float>, _ n: Int) -> UInt64 {
        let parts = Parallel.chunkCount(n, minPerChunk: 1 << 20)
        var sums = [UInt64](repeating: 0, count: parts)
        sums.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            Parallel.chunks(n, count: parts) { c, r in
                let raw = UnsafeRawPointer(p + r.lowerBound)
                var a = SIMD16<UInt32>(repeating: 0), b = SIMD16<UInt32>(repeating: 0)
                var i = 0
                while i + 16 <= r.count {
                    a &+= raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self)
                    b &+= a
                    i += 16
                }
                var tail: UInt32 = 0
                while i < r.count { tail = tail &* 31 &+ raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self); i += 1 }
                var h = UInt64(tail)
                for l in 0..<16 { h = h &* 1_099_511_628_211 &+ (UInt64(a[l]) << 32 | UInt64(b[l])) }
                o[c] = h
            }
        }
        return sums.reduce(UInt64(n)) { $0 &* 1_099_511_628_211 &+ $1 }
    }
}
