// Quantizers from Float to ggml block formats, following ggml's quantize_row_*_ref: used by the GGUF writer
// (export) and by tests to round-trip the dequantizers. K-quants are read-only in sft (no quantizer).

@inline(__always) func f16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

// BF16 rounding (bf16Bits) is the matrix products' one, in Tensor/GEMMOneDNN.swift.

/// Quantizes `x` (count a multiple of the block size) to `type`'s bytes.
public func quantize(_ type: GGUFTensorType, _ x: [Float]) throws -> [UInt8] {
    if x.count % type.blockSize != 0 {
        throw SFTError("cannot quantize \(x.count) values to \(type.name): not a multiple of the block size \(type.blockSize)")
    }
    if type != .f32, let bad = x.firstIndex(where: { !$0.isFinite }) {
        throw SFTError("cannot quantize to \(type.name): value \(bad) is \(x[bad])", hint: "the weights hold NaN or infinity")
    }
    var out: [UInt8] = []
    out.reserveCapacity(x.count / type.blockSize * type.blockBytes)
    func put16(_ v: UInt16) { out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8)) }
    func put32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xff)) } }
    let nb = x.count / type.blockSize
    switch type {
    case .f32: for v in x { put32(v.bitPattern) }
    case .f16: for v in x { put16(f16Bits(v)) }
    case .bf16: for v in x { put16(bf16Bits(v)) }
    case .q8_0:
        for b in 0..<nb {
            let blk = x[b * 32..<(b + 1) * 32]
            let amax = blk.reduce(0) { max($0, abs($1)) }
            let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
            put16(f16Bits(d))
            for v in blk { out.append(UInt8(bitPattern: Int8((v * id).rounded()))) }
        }
    case .q4_0, .q5_0:
        let is5 = type == .q5_0
        for b in 0..<nb {
            let blk = Array(x[b * 32..<(b + 1) * 32])
            var amax: Float = 0, mx: Float = 0
            for v in blk where abs(v) > amax { amax = abs(v); mx = v }
            let d = mx / (is5 ? -16 : -8), id: Float = d != 0 ? 1 / d : 0
            put16(f16Bits(d))
            let top: Float = is5 ? 31 : 15, off: Float = is5 ? 16.5 : 8.5
            let q = blk.map { UInt8(min(top, ($0 * id + off).rounded(.towardZero))) }
            if is5 {
                var qh: UInt32 = 0
                for j in 0..<16 {
                    qh |= UInt32((q[j] & 0x10) >> 4) << UInt32(j)
                    qh |= UInt32((q[j + 16] & 0x10) >> 4) << UInt32(j + 16)
                }
                put32(qh)
            }
            for j in 0..<16 { out.append((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4)) }
        }
    case .q4_1, .q5_1:
        let is5 = type == .q5_1
        for b in 0..<nb {
            let blk = Array(x[b * 32..<(b + 1) * 32])
            let lo = blk.min() ?? 0, hi = blk.max() ?? 0
            let d = (hi - lo) / (is5 ? 31 : 15), id: Float = d != 0 ? 1 / d : 0
            put16(f16Bits(d)); put16(f16Bits(lo))
            let top: Float = is5 ? 31 : 15
            let q = blk.map { UInt8(min(top, (($0 - lo) * id + 0.5).rounded(.towardZero))) }
            if is5 {
                var qh: UInt32 = 0
                for j in 0..<16 {
                    qh |= UInt32((q[j] & 0x10) >> 4) << UInt32(j)
                    qh |= UInt32((q[j + 16] & 0x10) >> 4) << UInt32(j + 16)
                }
                put32(qh)
            }
            for j in 0..<16 { out.append((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4)) }
        }
    case .q4_K, .q5_K, .q6_K, .q8_K:
        throw SFTError("sft cannot write \(type.name) tensors", hint: "export as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 or Q5_1")
    }
    return out
}
