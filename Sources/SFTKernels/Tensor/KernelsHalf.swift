// Half-precision (IEEE fp16) copies of weight matrices for single-token decoding, which streams every weight
// once per token and is bound by memory bandwidth: fp16 halves the bytes. Rows are packed in blocks of 32
// inputs as 16 UInt32 words, word j holding input j (low half) and input j+16 (high half), so unpacking is
// integer shifts and masks on 16 lanes plus one multiply (no slow vector conversions). fp16 keeps 11 bits
// of mantissa (relative error 2^-11 per weight); the training path and prefill stay fp32.

public final class HalfMatrix: @unchecked Sendable {
    public let rows: Int      // out
    public let cols: Int      // in, a multiple of 32
    let words: UnsafeMutablePointer<UInt32>   // (rows, cols/2)

    public static func supports(cols: Int) -> Bool { cols % 32 == 0 }

    /// Packs w (rows, cols) fp32 into fp16 (round to nearest, values beyond fp16 range saturate).
    public init(_ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        precondition(Self.supports(cols: cols), "HalfMatrix needs cols % 32 == 0")
        self.rows = rows
        self.cols = cols
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, rows * cols / 2) * 4, alignment: 64)
        words = raw.bindMemory(to: UInt32.self, capacity: max(1, rows * cols / 2))
        let wds = words
        Parallel.rows(rows, minPerChunk: 64) { r in
            for i in r {
                let src = w + i * cols, dst = wds + i * cols / 2
                for b in 0..<(cols / 32) {
                    for j in 0..<16 {
                        let lo = UInt32(Self.half(src[b * 32 + j])), hi = UInt32(Self.half(src[b * 32 + 16 + j]))
                        dst[b * 16 + j] = lo | hi << 16
                    }
                }
            }
        }
    }

    deinit { UnsafeMutableRawPointer(words).deallocate() }

    @inline(__always) static func half(_ x: Float) -> UInt16 {
        let c = max(-65504, min(65504, x))
        return Float16(c).bitPattern
    }

    /// Scalar reference of one stored weight, for tests.
    public func value(row: Int, col: Int) -> Float {
        let b = col / 32, j = col % 32
        let w = words[row * cols / 2 + b * 16 + (j % 16)]
        return Float(Float16(bitPattern: UInt16(truncatingIfNeeded: j < 16 ? w : w >> 16)))
    }
}

/// 16 fp16 values (low or high halves of the words, already shifted to the low 16 bits) to fp32: move the
/// exponent/mantissa into place and rescale by 2^112 (exact, also for subnormals), then restore the sign.
@inline(__always)
func halfToFloat(_ h: SIMD16<UInt32>) -> F16 {
    let mag = (h & 0x7fff) &<< 13
    let f = unsafeBitCast(mag, to: F16.self) * splat(5.192296858534828e33)   // 2^112
    return unsafeBitCast(unsafeBitCast(f, to: SIMD16<UInt32>.self) | ((h & 0x8000) &<< 16), to: F16.self)
}

/// y (rows) (+)= W x for one input vector x (cols).
public func halfMatVec(_ y: UnsafeMutablePointer<Float>, _ w: HalfMatrix, _ x: UnsafePointer<Float>, accumulate: Bool) {
    let cols = w.cols, blocks = cols / 32, words = w.words
    Parallel.rows(w.rows, minPerChunk: 128) { r in
        for i in r {
            let row = UnsafeRawPointer(words + i * cols / 2)
            var acc0 = F16(), acc1 = F16()
            for b in 0..<blocks {
                let wv = row.loadUnaligned(fromByteOffset: b * 64, as: SIMD16<UInt32>.self)
                acc0 = acc0.addingProduct(halfToFloat(wv), load16(x + b * 32))
                acc1 = acc1.addingProduct(halfToFloat(wv &>> 16), load16(x + b * 32 + 16))
            }
            let s = (acc0 + acc1).sum()
            y[i] = accumulate ? y[i] + s : s
        }
    }
}
