// Dequantization of ggml tensor blocks to Float. Two versions side by side:
//  - `dequantizeReference`: one plain scalar loop per type, a line-by-line reading of ggml's
//    dequantize_row_* (ggml-quants.c); the tests check the fast path against it.
//  - `dequantize`: SIMD16 block kernels for F16, BF16, Q4_0, Q4_1, Q8_0 (the types models ship in), the
//    reference block code for the rest, spread over cores with Parallel.rows across blocks.
// A block of `blockSize` elements takes `blockBytes` bytes (GGUFTensorType); data must hold count/blockSize
// blocks, which callers check first.

@inline(__always) func f16(_ p: UnsafeRawPointer, _ off: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: off, as: UInt16.self)))
}

@inline(__always) func bf16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// Q4_K / Q5_K 6-bit scale and min number `j` (0..<8) from the 12 packed scale bytes (ggml get_scale_min_k4).
@inline(__always) func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (Float, Float) {
    @inline(__always) func b(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (Float(b(j) & 63), Float(b(j + 4) & 63)) }
    let d = (b(j + 4) & 0xF) | ((b(j - 4) >> 6) << 4)
    let m = (b(j + 4) >> 4) | ((b(j) >> 6) << 4)
    return (Float(d), Float(m))
}

/// Reference: one block of `type` at `x` into `y[0..<blockSize]`.
func dequantizeBlockReference(_ type: GGUFTensorType, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    @inline(__always) func u8(_ i: Int) -> UInt8 { x.load(fromByteOffset: i, as: UInt8.self) }
    @inline(__always) func i8(_ i: Int) -> Int8 { x.load(fromByteOffset: i, as: Int8.self) }
    switch type {
    case .f32: y[0] = Float(bitPattern: x.loadUnaligned(as: UInt32.self))
    case .f16: y[0] = f16(x, 0)
    case .bf16: y[0] = bf16(x.loadUnaligned(as: UInt16.self))
    case .q4_0:
        let d = f16(x, 0)
        for j in 0..<16 {
            y[j] = Float(Int(u8(2 + j) & 0xF) - 8) * d
            y[j + 16] = Float(Int(u8(2 + j) >> 4) - 8) * d
        }
    case .q4_1:
        let d = f16(x, 0), m = f16(x, 2)
        for j in 0..<16 {
            y[j] = Float(u8(4 + j) & 0xF) * d + m
            y[j + 16] = Float(u8(4 + j) >> 4) * d + m
        }
    case .q5_0, .q5_1:
        let d = f16(x, 0)
        let m: Float = type == .q5_1 ? f16(x, 2) : 0
        let hOff = type == .q5_1 ? 4 : 2
        let qh = x.loadUnaligned(fromByteOffset: hOff, as: UInt32.self)
        for j in 0..<16 {
            let xh0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
            let xh1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
            let q = u8(hOff + 4 + j)
            let x0 = Int((q & 0xF) | xh0), x1 = Int((q >> 4) | xh1)
            if type == .q5_0 {
                y[j] = Float(x0 - 16) * d; y[j + 16] = Float(x1 - 16) * d
            } else {
                y[j] = Float(x0) * d + m; y[j + 16] = Float(x1) * d + m
            }
        }
    case .q8_0:
        let d = f16(x, 0)
        for j in 0..<32 { y[j] = Float(i8(2 + j)) * d }
    case .q8_K:
        let d = Float(bitPattern: x.loadUnaligned(as: UInt32.self))
        for j in 0..<256 { y[j] = Float(i8(4 + j)) * d }
    case .q4_K:
        let d = f16(x, 0), dmin = f16(x, 2)
        let scales = x + 4
        var q = 16, out = 0, s = 0
        for _ in 0..<4 {
            let (sc1, m1) = scaleMinK4(s, scales), (sc2, m2) = scaleMinK4(s + 1, scales)
            for l in 0..<32 { y[out + l] = d * sc1 * Float(u8(q + l) & 0xF) - dmin * m1 }
            for l in 0..<32 { y[out + 32 + l] = d * sc2 * Float(u8(q + l) >> 4) - dmin * m2 }
            q += 32; out += 64; s += 2
        }
    case .q5_K:
        let d = f16(x, 0), dmin = f16(x, 2)
        let scales = x + 4
        let qh = 16, ql0 = 48
        var ql = ql0, out = 0, s = 0
        var u1: UInt8 = 1, u2: UInt8 = 2
        for _ in 0..<4 {
            let (sc1, m1) = scaleMinK4(s, scales), (sc2, m2) = scaleMinK4(s + 1, scales)
            for l in 0..<32 {
                let h: UInt8 = u8(qh + l) & u1 != 0 ? 16 : 0
                y[out + l] = d * sc1 * Float((u8(ql + l) & 0xF) + h) - dmin * m1
            }
            for l in 0..<32 {
                let h: UInt8 = u8(qh + l) & u2 != 0 ? 16 : 0
                y[out + 32 + l] = d * sc2 * Float((u8(ql + l) >> 4) + h) - dmin * m2
            }
            ql += 32; out += 64; s += 2; u1 <<= 2; u2 <<= 2
        }
    case .q6_K:
        let d = f16(x, 208)
        var ql = 0, qh = 128, sc = 192, out = 0
        for _ in 0..<2 {
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int((u8(ql + l) & 0xF) | (((u8(qh + l) >> 0) & 3) << 4)) - 32
                let q2 = Int((u8(ql + l + 32) & 0xF) | (((u8(qh + l) >> 2) & 3) << 4)) - 32
                let q3 = Int((u8(ql + l) >> 4) | (((u8(qh + l) >> 4) & 3) << 4)) - 32
                let q4 = Int((u8(ql + l + 32) >> 4) | (((u8(qh + l) >> 6) & 3) << 4)) - 32
                y[out + l] = d * Float(i8(sc + s)) * Float(q1)
                y[out + l + 32] = d * Float(i8(sc + s + 2)) * Float(q2)
                y[out + l + 64] = d * Float(i8(sc + s + 4)) * Float(q3)
                y[out + l + 96] = d * Float(i8(sc + s + 6)) * Float(q4)
            }
            out += 128; ql += 64; qh += 32; sc += 8
        }
    }
}

/// Reference dequantization of `count` elements (a multiple of the block size), serial.
public func dequantizeReference(_ type: GGUFTensorType, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count % type.blockSize == 0, "count not a multiple of the block size")
    for b in 0..<count / type.blockSize {
        dequantizeBlockReference(type, src + b * type.blockBytes, dst + b * type.blockSize)
    }
}

/// Fast dequantization of `count` elements (a multiple of the block size), parallel over blocks.
public func dequantize(_ type: GGUFTensorType, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count % type.blockSize == 0, "count not a multiple of the block size")
    let blocks = count / type.blockSize
    // Elementwise types: treat 256 elements as one work unit.
    Parallel.rows(blocks, minPerChunk: 16384 / type.blockSize) { range in
        dequantizeBlocks(type, src, dst, range)
    }
}

@inline(__always) func widen(_ v: SIMD16<UInt8>) -> SIMD16<Float> { SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: v)) }

func dequantizeBlocks(_ type: GGUFTensorType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    let bb = type.blockBytes, bs = type.blockSize
    let out = UnsafeMutableRawPointer(dst)
    switch type {
    case .f32:
        UnsafeMutableRawPointer(dst + range.lowerBound).copyMemory(from: src + range.lowerBound * 4, byteCount: range.count * 4)
    case .f16:
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let h = (src + 2 * i).loadUnaligned(as: SIMD16<UInt16>.self)
            var f = SIMD16<Float>()
            for k in 0..<16 { f[k] = Float(Float16(bitPattern: h[k])) }
            out.storeBytes(of: f, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < range.upperBound { dst[i] = f16(src, 2 * i); i += 1 }
    case .bf16:
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let h = (src + 2 * i).loadUnaligned(as: SIMD16<UInt16>.self)
            let w = SIMD16<UInt32>(truncatingIfNeeded: h) &<< 16
            out.storeBytes(of: unsafeBitCast(w, to: SIMD16<Float>.self), toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < range.upperBound { dst[i] = bf16((src + 2 * i).loadUnaligned(as: UInt16.self)); i += 1 }
    case .q4_0, .q4_1:
        let hasMin = type == .q4_1
        let qOff = hasMin ? 4 : 2
        for b in range {
            let x = src + b * bb
            let d = f16(x, 0)
            let m: Float = hasMin ? f16(x, 2) : -8 * d
            let q = (x + qOff).loadUnaligned(as: SIMD16<UInt8>.self)
            let lo = widen(q & 0xF) * d + m, hi = widen(q &>> 4) * d + m
            out.storeBytes(of: lo, toByteOffset: 4 * b * 32, as: SIMD16<Float>.self)
            out.storeBytes(of: hi, toByteOffset: 4 * (b * 32 + 16), as: SIMD16<Float>.self)
        }
    case .q8_0:
        for b in range {
            let x = src + b * bb
            let d = f16(x, 0)
            for h in 0..<2 {
                let q = (x + 2 + 16 * h).loadUnaligned(as: SIMD16<Int8>.self)
                let f = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: q)) * d
                out.storeBytes(of: f, toByteOffset: 4 * (b * 32 + 16 * h), as: SIMD16<Float>.self)
            }
        }
    case .q5_0, .q5_1, .q4_K, .q5_K, .q6_K, .q8_K:
        for b in range { dequantizeBlockReference(type, src + b * bb, dst + b * bs) }
    }
}

extension GGUFFile {
    /// Dequantizes tensor `name` into `dst`, which must hold exactly `count` = element count floats.
    public func dequantize(_ name: String, into dst: UnsafeMutablePointer<Float>, count: Int) throws {
        let t = try info(name)
        if t.elementCount != count {
            throw SFTError("tensor '\(name)' has \(t.elementCount) elements (dims \(t.dims)), expected \(count)", file: path)
        }
        SFT.dequantize(t.type, file.base + t.offset, into: dst, count: count)
    }

    /// Dequantizes tensor `name` into a new array (for tests and small tensors).
    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        var out = [Float](repeating: 0, count: t.elementCount)
        try out.withUnsafeMutableBufferPointer { try dequantize(name, into: $0.baseAddress!, count: t.elementCount) }
        return out
    }
}
