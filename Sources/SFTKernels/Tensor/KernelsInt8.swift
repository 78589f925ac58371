// Int8 weight matrices for inference (`quantize int8`): every row stored as int8 with one fp32 scale,
// per-row symmetric absmax:
//   scale[r] = max_j |W[r, j]| / 127,   q[r, j] = round(W[r, j] / scale[r]) in [-127, 127]
// Three products over them, side by side:
//  - `int8MatVecReference`: the plain scalar loop, the reference the tests hold the fast kernels to.
//  - `matvec` (one token, decoding): four rows at a time, so each 16 inputs loaded are used four times and
//    four independent accumulators hide the FMA latency (one accumulator per row was latency bound);
//    int8 -> int32 -> fp32 widening is one AVX-512 instruction each, then a fused multiply-add.
//  - `matmul` (n tokens, prompt processing): rows dequantized in tiles to fp32 and multiplied with OpenBLAS
//    sgemm (fp32 whatever `precision` says, so int8 answers do not move with the bf16 setting).
// sft-bench `decode` prints the int8 rows next to the fp32 ones.

/// A (rows, cols) matrix as int8 with one fp32 scale per row.
public struct Int8Matrix: @unchecked Sendable {
    public let rows: Int, cols: Int
    public let q: UnsafeMutablePointer<Int8>     // (rows, cols)
    public let scales: [Float]                   // (rows)
    private let owner: Owner

    final class Owner { let p: UnsafeMutablePointer<Int8>; init(_ p: UnsafeMutablePointer<Int8>) { self.p = p }; deinit { p.deallocate() } }

    public init(_ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: max(rows * cols, 1))
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
                    for j in 0..<cols { q[r * cols + j] = Int8(max(-127, min(127, (row[j] * inv).rounded()))) }
                }
            }
        }
        self.q = q
        self.scales = scales
        owner = Owner(q)
    }

    public var bytes: Int { rows * cols + rows * 4 }

    /// Row r dequantized into out (cols).
    @inline(__always)
    func dequantizeRow(_ r: Int, _ out: UnsafeMutablePointer<Float>, scale: Float) {
        let row = q + r * cols
        var j = 0
        while j + 16 <= cols { store16(widen16(row + j) * splat(scale), out + j); j += 16 }
        while j < cols { out[j] = Float(row[j]) * scale; j += 1 }
    }

    /// y (rows) = (or +=) W x for one vector x (cols).
    public func matvec(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, accumulate: Bool = false) {
        let (R, K, q) = (rows, cols, q)
        scales.withUnsafeBufferPointer { s in
            let sp = s.baseAddress!
            @inline(__always) func put(_ r: Int, _ v: Float) { y[r] = accumulate ? y[r] + sp[r] * v : sp[r] * v }
            Parallel.rows((R + 3) / 4, minPerChunk: 32) { groups in
                for g in groups {
                    let r0 = g * 4
                    if r0 + 4 > R {          // the last 1-3 rows
                        for r in r0..<R {
                            let row = q + r * K
                            var acc = F16()
                            var j = 0
                            while j + 16 <= K { acc = acc.addingProduct(widen16(row + j), load16(x + j)); j += 16 }
                            var sum = acc.sum()
                            while j < K { sum += Float(row[j]) * x[j]; j += 1 }
                            put(r, sum)
                        }
                        continue
                    }
                    let p0 = q + r0 * K, p1 = p0 + K, p2 = p1 + K, p3 = p2 + K
                    var a0 = F16(), a1 = F16(), a2 = F16(), a3 = F16()
                    var j = 0
                    while j + 16 <= K {
                        let xv = load16(x + j)
                        a0 = a0.addingProduct(widen16(p0 + j), xv)
                        a1 = a1.addingProduct(widen16(p1 + j), xv)
                        a2 = a2.addingProduct(widen16(p2 + j), xv)
                        a3 = a3.addingProduct(widen16(p3 + j), xv)
                        j += 16
                    }
                    var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
                    while j < K {
                        let xj = x[j]
                        s0 += Float(p0[j]) * xj; s1 += Float(p1[j]) * xj; s2 += Float(p2[j]) * xj; s3 += Float(p3[j]) * xj
                        j += 1
                    }
                    put(r0, s0); put(r0 + 1, s1); put(r0 + 2, s2); put(r0 + 3, s3)
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
                Parallel.rows(m, minPerChunk: 64) { rr in
                    for r in rr { dequantizeRow(start + r, w + r * K, scale: sp[start + r]) }
                }
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
        for j in 0..<m.cols { s += Float(m.q[r * m.cols + j]) * m.scales[r] * x[j] }
        y[r] = s
    }
}

/// 16 int8 values widened to fp32 (vpmovsxbd + vcvtdq2ps).
@inline(__always)
func widen16(_ p: UnsafePointer<Int8>) -> F16 {
    F16(SIMD16<Int32>(truncatingIfNeeded: UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Int8>.self)))
}
