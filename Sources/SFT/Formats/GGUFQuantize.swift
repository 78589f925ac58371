// Quantizers from Float to ggml block formats, following ggml's quantize_row_*_ref: used by the GGUF writer
// (export) and by tests to round-trip the dequantizers. Of the K-quants, Q4_K and Q6_K are written (the
// `export gguf --type q4_k_m` mix), with simple range-based scales instead of ggml's iterative search.

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
    case .q4_K:
        for b in 0..<nb { quantizeQ4KBlock(x[(b * 256)..<((b + 1) * 256)], into: &out) }
    case .q6_K:
        for b in 0..<nb { quantizeQ6KBlock(x[(b * 256)..<((b + 1) * 256)], into: &out) }
    case .q5_K, .q8_K:
        throw SFTError("sft cannot write \(type.name) tensors", hint: "export as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K or Q6_K")
    }
    return out
}

/// One Q4_K super-block (256 values): 8 sub-blocks of 32, each x ~ d * sc * q - dmin * m with q in 0...15 and
/// 6-bit sc and m. Layout (ggml block_q4_K): f16 d, f16 dmin, 12 bytes of packed 6-bit scales and mins (the
/// inverse of get_scale_min_k4), then 128 bytes: byte l of pair p holds sub-block 2p's value l (low nibble)
/// and sub-block 2p+1's (high). Scales come from each sub-block's range (min clamped to <= 0, as ggml's), not
/// ggml's iterative search, so the error is at most about half a step of each sub-block's range / 15.
func quantizeQ4KBlock(_ x: ArraySlice<Float>, into out: inout [UInt8]) {
    let v = Array(x)
    var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
    for j in 0..<8 {
        let sub = v[(j * 32)..<((j + 1) * 32)]
        let lo = min(0, sub.min()!), hi = max(0, sub.max()!)
        scales[j] = (hi - lo) / 15
        mins[j] = -lo
    }
    let d = scales.max()! / 63, dmin = mins.max()! / 63
    let id: Float = d > 0 ? 1 / d : 0, idm: Float = dmin > 0 ? 1 / dmin : 0
    // round the scales up so that every value still fits in 0...15 with the 6-bit scale
    let ls = scales.map { UInt8(min(63, ($0 * id).rounded(.up))) }, lm = mins.map { UInt8(min(63, ($0 * idm).rounded())) }
    var packed = [UInt8](repeating: 0, count: 12)
    for j in 0..<8 {
        if j < 4 {
            packed[j] = ls[j]; packed[j + 4] = lm[j]
        } else {
            packed[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4)
            packed[j - 4] |= (ls[j] >> 4) << 6
            packed[j] |= (lm[j] >> 4) << 6
        }
    }
    let dh = Float(Float16(d)), dmh = Float(Float16(dmin))     // what the reader will multiply by
    var q = [UInt8](repeating: 0, count: 256)
    for j in 0..<8 {
        let step = dh * Float(ls[j]), m = dmh * Float(lm[j])
        let inv: Float = step > 0 ? 1 / step : 0
        for i in 0..<32 { q[j * 32 + i] = UInt8(max(0, min(15, ((v[j * 32 + i] + m) * inv).rounded()))) }
    }
    out.append(contentsOf: withUnsafeBytes(of: f16Bits(d).littleEndian) { Array($0) })
    out.append(contentsOf: withUnsafeBytes(of: f16Bits(dmin).littleEndian) { Array($0) })
    out += packed
    for p in 0..<4 { for l in 0..<32 { out.append(q[64 * p + l] | (q[64 * p + 32 + l] << 4)) } }
}

/// One Q6_K super-block (256 values): 16 sub-blocks of 16, x ~ d * sc * (q - 32) with q in 0...63 and int8 sc.
/// Layout (ggml block_q6_K): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, f16 d;
/// packing as ggml's quantize_row_q6_K_ref (values l, l+32, l+64, l+96 of each half share bytes).
func quantizeQ6KBlock(_ x: ArraySlice<Float>, into out: inout [UInt8]) {
    let v = Array(x)
    var scales = [Float](repeating: 0, count: 16)
    for j in 0..<16 {
        var amax: Float = 0, mx: Float = 0
        for i in 0..<16 where abs(v[j * 16 + i]) > amax { amax = abs(v[j * 16 + i]); mx = v[j * 16 + i] }
        scales[j] = mx / -32          // as ggml: the extreme value maps to -32, the rest fit in -32...31
    }
    var amaxScale: Float = 0, maxScale: Float = 0
    for s in scales where abs(s) > amaxScale { amaxScale = abs(s); maxScale = s }
    let d = maxScale / -128, id: Float = d != 0 ? 1 / d : 0
    let ls = scales.map { Int8(max(-128, min(127, ($0 * id).rounded()))) }
    let dh = Float(Float16(d))
    var q = [UInt8](repeating: 32, count: 256)
    for j in 0..<16 {
        let step = dh * Float(ls[j])
        guard step != 0 else { continue }
        for i in 0..<16 { q[j * 16 + i] = UInt8(max(0, min(63, (v[j * 16 + i] / step).rounded() + 32))) }
    }
    var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
    for half in 0..<2 {
        let j = half * 128
        for l in 0..<32 {
            let (q1, q2, q3, q4) = (q[j + l], q[j + l + 32], q[j + l + 64], q[j + l + 96])
            ql[half * 64 + l] = (q1 & 0xF) | ((q3 & 0xF) << 4)
            ql[half * 64 + l + 32] = (q2 & 0xF) | ((q4 & 0xF) << 4)
            qh[half * 32 + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
        }
    }
    out += ql
    out += qh
    out += ls.map { UInt8(bitPattern: $0) }
    out.append(contentsOf: withUnsafeBytes(of: f16Bits(d).littleEndian) { Array($0) })
}
