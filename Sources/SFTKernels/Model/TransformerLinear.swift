// One linear layer of the decoder, y (N, out) = x (N, in) @ W^T + b, with an optional LoRA adapter
// y += scale * (dropout(x) @ A^T) @ B^T, forward beside backward. The adapter's x @ A^T (N, r) is saved in
// `xa` for backward; the dropout mask is a stateless hash of (key, element), so backward recomputes it.

/// A LoRA adapter as the linear sees it: weights, gradients (nil when not training) and the saved xa.
struct AdapterRef {
    let a: UnsafeMutablePointer<Float>       // (r, in)
    let b: UnsafeMutablePointer<Float>       // (out, r)
    let ga: UnsafeMutablePointer<Float>?
    let gb: UnsafeMutablePointer<Float>?
    let xa: UnsafeMutablePointer<Float>      // (N, r) saved by forward
    let rank: Int
    let scale: Float
    let dropout: Float                       // 0 when not training
    let key: UInt64                          // dropout mask key
}

/// Scratch the linear layers share: dropped x (N, maxIn) and dxa (N, r).
struct LinearScratch {
    let dropped: UnsafeMutablePointer<Float>
    let dxa: UnsafeMutablePointer<Float>
}

/// y (N, out) (+)= x @ W^T + b + adapter.
func linearLayerForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ bias: UnsafePointer<Float>?, _ adapter: AdapterRef?, _ scratch: LinearScratch,
                        n: Int, inF: Int, outF: Int, accumulate: Bool = false, half: HalfMatrix? = nil) {
    if let half, n == 1 { halfMatVec(y, half, x, accumulate: accumulate) }   // decoding: fp16 copy of W
    else { linearForward(y, x, w, rows: n, inFeatures: inF, outFeatures: outF, accumulate: accumulate) }
    if let bias {
        Parallel.rows(n, minPerChunk: 64) { r in for i in r { vaxpy(y + i * outF, 1, bias, outF) } }
    }
    if let ad = adapter {
        var xd = x
        if ad.dropout > 0 { loraDropout(scratch.dropped, x, count: n * inF, p: ad.dropout, key: ad.key); xd = UnsafePointer(scratch.dropped) }
        // xa (N, r) = dropout(x) @ A^T;  y += scale * xa @ B^T
        if ad.rank <= lowRankLoopMaxRank && n > 1 { lowRankProject(ad.xa, xd, ad.a, n: n, inF: inF, r: ad.rank) }
        else { linearForward(ad.xa, xd, ad.a, rows: n, inFeatures: inF, outFeatures: ad.rank) }
        gemm(.none, .transposed, m: n, n: outF, k: ad.rank, alpha: ad.scale, a: ad.xa, lda: ad.rank, b: ad.b, ldb: ad.rank,
             beta: 1, c: y, ldc: outF)
    }
}

/// dx (N, in) +=, dW (out, in) +=, db (out) +=, adapter grads += from dy (N, out).
func linearLayerBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?,
                         _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                         _ adapter: AdapterRef?, _ scratch: LinearScratch, n: Int, inF: Int, outF: Int,
                         overwriteDx: Bool = false) {
    // forward: y = x @ W^T + b   ->  dx += dy @ W,  dW += dy^T @ x,  db += sum_rows dy
    // (overwriteDx: dx = dy @ W, saving the caller a zero fill of a scratch it owns)
    gemm(.none, .none, m: n, n: inF, k: outF, a: dy, lda: outF, b: w, ldb: inF, beta: overwriteDx ? 0 : 1, c: dx, ldc: inF)
    if let dw { gemm(.transposed, .none, m: outF, n: inF, k: n, a: dy, lda: outF, b: x, ldb: inF, beta: 1, c: dw, ldc: inF) }
    if let db { for i in 0..<n { vaxpy(db, 1, dy + i * outF, outF) } }
    guard let ad = adapter else { return }
    // forward: y += scale * xa @ B^T   ->  dB += scale * dy^T @ xa,  dxa = scale * dy @ B
    if ad.rank <= lowRankLoopMaxRank {
        lowRankBackwardB(scratch.dxa, ad.gb, dy, ad.xa, ad.b, n: n, outF: outF, r: ad.rank, scale: ad.scale)
    } else {
        if let gb = ad.gb {
            gemm(.transposed, .none, m: outF, n: ad.rank, k: n, alpha: ad.scale, a: dy, lda: outF, b: ad.xa, ldb: ad.rank,
                 beta: 1, c: gb, ldc: ad.rank)
        }
        gemm(.none, .none, m: n, n: ad.rank, k: outF, alpha: ad.scale, a: dy, lda: outF, b: ad.b, ldb: ad.rank, c: scratch.dxa, ldc: ad.rank)
    }
    // forward: xa = xd @ A^T, xd = dropout(x)   ->  dA += dxa^T @ xd,  dx += dropout'(dxa @ A)
    var xd = x
    if ad.dropout > 0 { loraDropout(scratch.dropped, x, count: n * inF, p: ad.dropout, key: ad.key); xd = UnsafePointer(scratch.dropped) }
    if let ga = ad.ga {
        gemm(.transposed, .none, m: ad.rank, n: inF, k: n, a: scratch.dxa, lda: ad.rank, b: xd, ldb: inF, beta: 1, c: ga, ldc: inF)
    }
    if ad.dropout > 0 {
        gemm(.none, .none, m: n, n: inF, k: ad.rank, a: scratch.dxa, lda: ad.rank, b: ad.a, ldb: inF, c: scratch.dropped, ldc: inF)
        loraDropoutBackward(dx, scratch.dropped, count: n * inF, p: ad.dropout, key: ad.key)
    } else {
        gemm(.none, .none, m: n, n: inF, k: ad.rank, a: scratch.dxa, lda: ad.rank, b: ad.a, ldb: inF, beta: 1, c: dx, ldc: inF)
    }
}

/// Keep element i with probability 1 - p, decided by a hash of (key, i); kept elements scale by 1/(1-p).
@inline(__always)
func dropoutKeep(_ key: UInt64, _ i: Int, _ p: Float) -> Bool {
    Float(SplitMix64.mix(key &+ UInt64(i) &* 0x9E3779B97F4A7C15) >> 40) / Float(1 << 24) >= p
}

/// out = dropout(x) with inverted scaling.
public func loraDropout(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, p: Float, key: UInt64) {
    let s = 1 / (1 - p)
    Parallel.rows(count, minPerChunk: 1 << 14) { r in
        for i in r { out[i] = dropoutKeep(key, i, p) ? x[i] * s : 0 }
    }
}

/// dx += dropout'(dout): the same mask and scale.
public func loraDropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, count: Int, p: Float, key: UInt64) {
    // forward: out[i] = keep(i) ? x[i] / (1 - p) : 0
    let s = 1 / (1 - p)
    Parallel.rows(count, minPerChunk: 1 << 14) { r in
        for i in r where dropoutKeep(key, i, p) { dx[i] += dout[i] * s }
    }
}
