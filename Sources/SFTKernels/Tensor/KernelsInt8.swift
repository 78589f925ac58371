// Int8 weight matrices for inference (`quantize int8`): every row stored as int8 with one fp32 scale,
// per-row symmetric absmax:
//   scale[r] = max_j |W[r, j]| / 127,   q[r, j] = round(W[r, j] / scale[r]) in [-127, 127]
// Storage is one byte per weight, q + 128, and each row's full blocks of 64 inputs are interleaved as 16 UInt32
// words, word j holding inputs j, j+16, j+32, j+48 in its bytes 0..3 (a row's last cols % 64 inputs follow
// plainly). Unpacking 16 lanes is then a shift, a mask, an OR with the exponent of 2^23 and one subtraction
// (the float 2^23 + u minus 2^23 + 128 is exactly u - 128): integer lane operations, no vector conversions,
// as HalfMatrix unpacks fp16.
// Three products, side by side:
//  - `int8MatVecReference`: the plain scalar loop over `value(row:col:)`, the reference for the tests.
//  - `matvec` (one token, decoding): four rows at a time, so each 16 inputs loaded serve four rows and eight
//    independent accumulators keep the multiply-adds from waiting on each other.
//  - `matmul` (n tokens, prompt processing): rows dequantized in tiles to fp32 and multiplied with OpenBLAS
//    sgemm (fp32 whatever `precision` says, so int8 answers do not move with the bf16 setting).
// sft-bench `decode` prints the int8 rows next to the fp32 ones.

/// A (rows, cols) matrix as int8 with one fp32 scale per row.
public struct Int8Matrix: @unchecked Sendable {
    public let rows: Int, cols: Int
    let data: UnsafeMutablePointer<UInt8>        // (rows, cols) q + 128, blocks of 64 interleaved (see top)
    public let scales: [Float]                   // (rows)
    private let owner: Owner

    final class Owner { let p: UnsafeMutablePointer<UInt8>; init(_ p: UnsafeMutablePointer<UInt8>) { self.p = p }; deinit { p.deallocate() } }

    public init(_ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(rows * cols, 1), alignment: 64)
        let data = raw.bindMemory(to: UInt8.self, capacity: max(rows * cols, 1))
        var scales = [Float](repeating: 0, count: rows)
        scales.withUnsafeMutableBufferPointer { s in
            let sp = s.baseAddress!
            Parallel.rows(rows, minPerChunk: 64) { range in
                for r in range {
                    let row = w + r * cols
                    var m: Float = 0
                    for j in 0..<cols { m = max(m, abs(row[j])) }
                    let scale = m / 127
                    sp[r] = scale
                    let inv: Float = scale > 0 ? 1 / scale : 0
                    for j in 0..<cols {
                        let q = Int(max(-127, min(127, (row[j] * inv).rounded())))
                        data[r * cols + Int8Matrix.position(j, cols: cols)] = UInt8(q + 128)
                    }
                }
            }
        }
        self.data = data
        self.scales = scales
        owner = Owner(data)
    }

    /// Where input `c` of a row is stored, relative to the row's start.
    @inline(__always)
    static func position(_ c: Int, cols: Int) -> Int {
        if c >= cols / 64 * 64 { return c }
        let i = c % 64
        return c - i + 4 * (i % 16) + i / 16
    }

    /// The stored int8 value q[row, col].
    public func value(row: Int, col: Int) -> Int8 {
        Int8(Int(data[row * cols + Self.position(col, cols: cols)]) - 128)
    }

    public var bytes: Int { rows * cols + rows * 4 }

    /// Row r dequantized into out (cols).
    @inline(__always)
    func dequantizeRow(_ r: Int, _ out: UnsafeMutablePointer<Float>, scale: Float) {
        let row = UnsafeRawPointer(data + r * cols), blocks = cols / 64, s = splat(scale)
        for b in 0..<blocks {
            let w = row.loadUnaligned(fromByteOffset: b * 64, as: SIMD16<UInt32>.self)
            for k in 0..<4 { store16(unpack(w, UInt32(8 * k)) * s, out + b * 64 + 16 * k) }
        }
        for j in (blocks * 64)..<cols { out[j] = Float(Int(data[r * cols + j]) - 128) * scale }
    }

    /// y (rows) = (or +=) W x for one vector x (cols).
    public func matvec(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, accumulate: Bool = false) {
        let (R, K, data) = (rows, cols, data)
        let blocks = K / 64
        scales.withUnsafeBufferPointer { s in
            let sp = s.baseAddress!
            @inline(__always) func put(_ r: Int, _ v: Float) { y[r] = accumulate ? y[r] + sp[r] * v : sp[r] * v }
            @inline(__always) func tail(_ r: Int) -> Float {
                var t: Float = 0
                for j in (blocks * 64)..<K { t += Float(Int(data[r * K + j]) - 128) * x[j] }
                return t
            }
            Parallel.rows((R + 3) / 4, minPerChunk: 16) { groups in
                for g in groups {
                    let r0 = g * 4
                    if r0 + 4 > R {          // the last 1-3 rows
                        for r in r0..<R {
                            let row = UnsafeRawPointer(data + r * K)
                            var a = F16(), b2 = F16()
                            for b in 0..<blocks {
                                let w = row.loadUnaligned(fromByteOffset: b * 64, as: SIMD16<UInt32>.self)
                                let xb = x + b * 64
                                a = a.addingProduct(unpack(w, 0), load16(xb)).addingProduct(unpack(w, 16), load16(xb + 32))
                                b2 = b2.addingProduct(unpack(w, 8), load16(xb + 16)).addingProduct(unpack(w, 24), load16(xb + 48))
                            }
                            put(r, (a + b2).sum() + tail(r))
                        }
                        continue
                    }
                    let p0 = UnsafeRawPointer(data + r0 * K), p1 = p0 + K, p2 = p1 + K, p3 = p2 + K
                    var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
                    var b0 = F16(), b1 = F16(), b2 = F16(), b3 = F16()
                    for b in 0..<blocks {
                        let o = b * 64, xb = x + o
                        let w0 = p0.loadUnaligned(fromByteOffset: o, as: SIMD16<UInt32>.self)
                        let w1 = p1.loadUnaligned(fromByteOffset: o, as: SIMD16<UInt32>.self)
                        let w2 = p2.loadUnaligned(fromByteOffset: o, as: SIMD16<UInt32>.self)
                        let w3 = p3.loadUnaligned(fromByteOffset: o, as: SIMD16<UInt32>.self)
                        let x0 = load16(xb), x1 = load16(xb + 16), x2 = load16(xb + 32), x3 = load16(xb + 48)
                        a0 = a0.addingProduct(unpack(w0, 0), x0); b0 = b0.addingProduct(unpack(w0, 8), x1)
                        a1 = a1.addingProduct(unpack(w1, 0), x0); b1 = b1.addingProduct(unpack(w1, 8), x1)
                        a2 = a2.addingProduct(unpack(w2, 0), x0); b2 = b2.addingProduct(unpack(w2, 8), x1)
                        a3 = a3.addingProduct(unpack(w3, 0), x0); b3 = b3.addingProduct(unpack(w3, 8), x1)
                        a0 = a0.addingProduct(unpack(w0, 16), x2); b0 = b0.addingProduct(unpack(w0, 24), x3)
                        a1 = a1.addingProduct(unpack(w1, 16), x2); b1 = b1.addingProduct(unpack(w1, 24), x3)
                        a2 = a2.addingProduct(unpack(w2, 16), x2); b2 = b2.addingProduct(unpack(w2, 24), x3)
                        a3 = a3.addingProduct(unpack(w3, 16), x2); b3 = b3.addingProduct(unpack(w3, 24), x3)
                    }
                    put(r0, (a0 + b0).sum() + tail(r0))
                    put(r0 + 1, (a1 + b1).sum() + tail(r0 + 1))
                    put(r0 + 2, (a2 + b2).sum() + tail(r0 + 2))
                    put(r0 + 3, (a3 + b3).sum() + tail(r0 + 3))
                }
            }
        }
    }

    /// y (n, rows) = (or +=) x (n, cols) W^T: n == 1 is `matvec`; more rows dequantize W in tiles of rows to
    /// fp32 and multiply each tile with OpenBLAS sgemm (W is read once for all n inputs).
    public func matmul(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int, accumulate: Bool = false) {
        if n == 1 { matvec(y, x, accumulate: accumulate); return }
        let (R, K) = (rows, cols)
        let tile = max(16, min(R, (1 << 20) / max(K, 1)))     // ~4 MB of fp32 rows per tile
        let w = UnsafeMutablePointer<Float>.allocate(capacity: tile * K)   // malloc'd: reused, not mmapped per call
        defer { w.deallocate() }
        scales.withUnsafeBufferPointer { s in
            let sp = s.baseAddress!
            var r0 = 0
            while r0 < R {
                let m = min(tile, R - r0), start = r0
                // one thread: OpenBLAS's workers are still spinning after the previous sgemm, and Dispatch workers
                // beside them only contend for the same cores
                for r in 0..<m { dequantizeRow(start + r, w + r * K, scale: sp[start + r]) }
                openblasGemm(.none, .transposed, m: n, n: m, k: K, a: x, lda: K, b: w, ldb: K,
                             beta: accumulate ? 1 : 0, c: y + r0, ldc: R)
                r0 += m
            }
        }
    }
}

/// Reference: y (rows) = W x with the dequantized weights, one scalar multiply-add at a time.
public func int8MatVecReference(_ y: UnsafeMutablePointer<Float>, _ m: Int8Matrix, _ x: UnsafePointer<Float>) {
    for r in 0..<m.rows {
        var s: Float = 0
        for j in 0..<m.cols { s += Float(m.value(row: r, col: j)) * m.scales[r] * x[j] }
        y[r] = s
    }
}

/// Byte `shift / 8` of each word as the float (byte - 128): OR the byte into the mantissa of 2^23 and
/// subtract 2^23 + 128 (exact for 0...255).
@inline(__always)
func unpack(_ w: SIMD16<UInt32>, _ shift: UInt32) -> F16 {
    let bits = ((w &>> shift) & 0xFF) | 0x4B00_0000
    return unsafeBitCast(bits, to: F16.self) - splat(8_388_736)      // 2^23 + 128
}
