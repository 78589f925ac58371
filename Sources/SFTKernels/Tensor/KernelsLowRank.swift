// LoRA's skinny products as row loops of our own: xa = x @ A^T (N, in) -> (N, r), and in backward
// dxa = dy @ B with dB += dy^T @ xa in one pass over dy. With r = 8 columns OpenBLAS packs a whole operand
// and runs these at 15-60 GFLOP/s (0.15-0.2 ms each, 120 adapters a step); each is a single read of an
// (N, in) matrix while A or B (r rows) stays in L1. The loops work on 2-4 rows and 4 columns at once so
// that several independent FMA chains are in flight (one dot product at a time waits on FMA latency).
// Ranks above `lowRankLoopMaxRank`, and the wider products (y += xa @ B^T, dA, dx), stay with sgemm.
// `sft-bench micro` times both; the layer tests compare them.

/// Largest rank these loops take; above it packing pays and linear layers use sgemm.
public let lowRankLoopMaxRank = 32

/// xa (N, r) = x (N, in) @ A^T, A (r, in).
public func lowRankProject(_ xa: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ A: UnsafePointer<Float>,
                           n: Int, inF: Int, r: Int) {
    Parallel.rows(n, minPerChunk: 64) { rows in projectRows(xa, x, A, rows, d: inF, r: r, scale: 1) }
}

/// dxa (N, r) = scale * dy (N, out) @ B, and when gB is given gB (out, r) += scale * dy^T @ xa (N, r).
/// B (out, r). Each core sums its rows' dB into its own (r, out) buffer; the buffers are added at the end.
public func lowRankBackwardB(_ dxa: UnsafeMutablePointer<Float>, _ gB: UnsafeMutablePointer<Float>?,
                             _ dy: UnsafePointer<Float>, _ xa: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
                             n: Int, outF: Int, r: Int, scale: Float) {
    let chunks = Parallel.chunkCount(n, minPerChunk: 64)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (1 + (gB == nil ? 0 : chunks)) * r * outF)
    defer { scratch.deallocate() }
    // Bt (r, out): column j of B as a contiguous row, so dxa is the same row-dot-row product as the forward's.
    let bt = scratch, partial = scratch + r * outF
    for o in 0..<outF { for j in 0..<r { bt[j * outF + o] = B[o * r + j] } }
    if gB != nil { partial.initialize(repeating: 0, count: chunks * r * outF) }
    Parallel.chunks(n, count: chunks) { c, rows in
        // 16-row blocks: the dy rows are still in L1 when the dB pass reads them again.
        var lo = rows.lowerBound
        while lo < rows.upperBound {
            let block = lo..<min(lo + 16, rows.upperBound)
            projectRows(dxa, dy, bt, block, d: outF, r: r, scale: scale)
            if gB != nil { accumulateOuter(partial + c * r * outF, coefficients: xa, dy, block, d: outF, r: r) }
            lo = block.upperBound
        }
    }
    guard let gB else { return }
    for c in 0..<chunks {
        let acc = partial + c * r * outF
        for o in 0..<outF { for j in 0..<r { gB[o * r + j] += scale * acc[j * outF + o] } }
    }
}

/// out[i, j] = scale * dot(x[i, :], w[j, :]) for i in rows, j < r; x (N, d), w (r, d), out (N, r).
@inline(__always)
func projectRows(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                 _ rows: Range<Int>, d: Int, r: Int, scale: Float) {
    var i = rows.lowerBound
    while i + 2 <= rows.upperBound {
        let x0 = x + i * d, x1 = x0 + d
        var j = 0
        while j + 4 <= r {
            let w0 = w + j * d, w1 = w0 + d, w2 = w1 + d, w3 = w2 + d
            var a00 = F16(), a01 = F16(), a02 = F16(), a03 = F16(), a10 = F16(), a11 = F16(), a12 = F16(), a13 = F16()
            var c = 0
            while c + 16 <= d {
                let u = load16(x0 + c), v = load16(x1 + c)
                let b0 = load16(w0 + c), b1 = load16(w1 + c), b2 = load16(w2 + c), b3 = load16(w3 + c)
                a00 = a00.addingProduct(u, b0); a01 = a01.addingProduct(u, b1); a02 = a02.addingProduct(u, b2); a03 = a03.addingProduct(u, b3)
                a10 = a10.addingProduct(v, b0); a11 = a11.addingProduct(v, b1); a12 = a12.addingProduct(v, b2); a13 = a13.addingProduct(v, b3)
                c += 16
            }
            var s = SIMD8<Float>(a00.sum(), a01.sum(), a02.sum(), a03.sum(), a10.sum(), a11.sum(), a12.sum(), a13.sum())
            while c < d {
                for q in 0..<4 { s[q] += x0[c] * w[(j + q) * d + c]; s[4 + q] += x1[c] * w[(j + q) * d + c] }
                c += 1
            }
            for q in 0..<4 { out[i * r + j + q] = scale * s[q]; out[(i + 1) * r + j + q] = scale * s[4 + q] }
            j += 4
        }
        while j < r { out[i * r + j] = scale * vdot(x0, w + j * d, d); out[(i + 1) * r + j] = scale * vdot(x1, w + j * d, d); j += 1 }
        i += 2
    }
    if i < rows.upperBound { for j in 0..<r { out[i * r + j] = scale * vdot(x + i * d, w + j * d, d) } }
}

/// acc[j, :] += sum over i in rows of coefficients[i, j] * x[i, :]; acc (r, d), coefficients (N, r), x (N, d).
@inline(__always)
func accumulateOuter(_ acc: UnsafeMutablePointer<Float>, coefficients k: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                     _ rows: Range<Int>, d: Int, r: Int) {
    var i = rows.lowerBound
    while i + 4 <= rows.upperBound {
        let x0 = x + i * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d
        for j in 0..<r {
            let aj = acc + j * d
            let k0 = splat(k[i * r + j]), k1 = splat(k[(i + 1) * r + j]), k2 = splat(k[(i + 2) * r + j]), k3 = splat(k[(i + 3) * r + j])
            var c = 0
            while c + 16 <= d {
                var v = load16(aj + c)
                v = v.addingProduct(k0, load16(x0 + c)); v = v.addingProduct(k1, load16(x1 + c))
                v = v.addingProduct(k2, load16(x2 + c)); v = v.addingProduct(k3, load16(x3 + c))
                store16(v, aj + c)
                c += 16
            }
            while c < d { aj[c] += k0[0] * x0[c] + k1[0] * x1[c] + k2[0] * x2[c] + k3[0] * x3[c]; c += 1 }
        }
        i += 4
    }
    while i < rows.upperBound { for j in 0..<r { vaxpy(acc + j * d, k[i * r + j], x + i * d, d) }; i += 1 }
}
