// Causal self-attention with grouped-query heads: NH query heads share NKV key/value heads (head h uses
// kv head h / (NH/NKV)). Scores and weighted sums are sgemm per (batch, head) and block of query rows;
// softmax is our own kernel.
// Queries may be the last Tq of Tk positions (KV-cache inference): query i sees keys 0 ... Tk - Tq + i.
// Training has Tq == Tk == T. Saves the probabilities (B, NH, Tq, Tk) for backward.

/// Query rows per block: a block's products stop at its last row's causal edge, so at T = 256 the score and
/// weighted-sum products do 10/16 of the full square's work.
let attentionQueryBlock = 64

/// out (B, Tq, NH*HS), probs (B, NH, Tq, Tk) from q (B, Tq, NH*HS) (after RoPE), k, v (B, Tk, NKV*HS).
/// With out == nil only the probabilities are computed (backward recomputes them when keeping every layer's
/// would pass `Activations.storedProbsLimit`).
/// Heads run side by side, one per core, each with single-threaded BLAS (a 256 x 256 x 64 product is too
/// small to split over cores without the threads mostly waiting).
public func attentionForward(_ out: UnsafeMutablePointer<Float>?, _ probs: UnsafeMutablePointer<Float>,
                             _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                             B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    if Tq == 1, let out { attentionOneQuery(out, probs, q, k, v, B: B, Tk: Tk, NH: NH, NKV: NKV, HS: HS); return }
    parallelWithSingleThreadedBLAS(B * NH) { bh in
        let b = bh / NH, h = bh % NH, g = h / group
        let qh = q + b * Tq * Q + h * HS
        let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
        let P = probs + bh * Tq * Tk
        var r0 = 0
        while r0 < Tq {
            // rows r0 ..< r1 see keys 0 ..< e (query i is position Tk - Tq + i)
            let r1 = min(r0 + attentionQueryBlock, Tq), e = Tk - Tq + r1
            // S (rows, e) = scale * q_h @ k_g^T
            gemm(.none, .transposed, m: r1 - r0, n: e, k: HS, alpha: scale, a: qh + r0 * Q, lda: Q, b: kg, ldb: KV,
                 c: P + r0 * Tk, ldc: Tk)
            for i in r0..<r1 { causalSoftmaxRow(P + i * Tk, valid: Tk - Tq + i + 1, cols: Tk) }
            // out_h (rows, HS) = P @ v_g
            if let out {
                gemm(.none, .none, m: r1 - r0, n: HS, k: e, a: P + r0 * Tk, lda: Tk, b: vg, ldb: KV,
                     c: out + (b * Tq + r0) * Q + h * HS, ldc: Q)
            }
            r0 = r1
        }
    }
}

/// Decoding (one query per sequence): heads in parallel with SIMD dot products, no BLAS calls (each would
/// cost more in thread wake-ups than the work). Same numbers as the gemm path up to summation order.
func attentionOneQuery(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                       _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                       B: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    Parallel.rows(B * NH) { r in
        for bh in r {
            let b = bh / NH, h = bh % NH, g = h / group
            let qh = q + b * Q + h * HS, P = probs + bh * Tk, oh = out + b * Q + h * HS
            let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
            for j in 0..<Tk { P[j] = vdot(qh, kg + j * KV, HS) * scale }
            softmaxInPlace(P, Tk)
            oh.update(repeating: 0, count: HS)
            for j in 0..<Tk { vaxpy(oh, P[j], vg + j * KV, HS) }
        }
    }
}

/// dq (B,Tq,NH*HS) =, dk, dv (B,Tk,NKV*HS) = from dout (B,Tq,NH*HS): overwritten, no zero fill needed.
/// scratch holds B*NKV*Tq*Tk floats.
/// The heads of one kv group share dk_g and dv_g, so groups (not heads) run side by side.
public func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                              _ dv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                              _ v: UnsafePointer<Float>, _ probs: UnsafePointer<Float>,
                              B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    parallelWithSingleThreadedBLAS(B * NKV) { bg in
        let b = bg / NKV, g = bg % NKV
        let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
        let dkg = dk + b * Tk * KV + g * HS, dvg = dv + b * Tk * KV + g * HS
        let dP = scratch + bg * Tq * Tk
        for t in 0..<Tk { (dkg + t * KV).update(repeating: 0, count: HS); (dvg + t * KV).update(repeating: 0, count: HS) }
        for h in (g * group)..<((g + 1) * group) {
            let qh = q + b * Tq * Q + h * HS, dqh = dq + b * Tq * Q + h * HS, doh = dout + b * Tq * Q + h * HS
            let P = probs + (b * NH + h) * Tq * Tk
            var r0 = 0
            while r0 < Tq {
                let r1 = min(r0 + attentionQueryBlock, Tq), e = Tk - Tq + r1, m = r1 - r0
                let Pb = P + r0 * Tk, dPb = dP + r0 * Tk, dob = doh + r0 * Q
                // forward: out_h = P @ v_g   ->  dP = dout_h @ v_g^T,  dv_g += P^T @ dout_h
                gemm(.none, .transposed, m: m, n: e, k: HS, a: dob, lda: Q, b: vg, ldb: KV, c: dPb, ldc: Tk)
                gemm(.transposed, .none, m: e, n: HS, k: m, a: Pb, lda: Tk, b: dob, ldb: Q, beta: 1, c: dvg, ldc: KV)
                // forward: P = softmax(S) per row  ->  dS = P * (dP - sum_j P dP)  (0 past the causal edge, where P is)
                for i in 0..<m { softmaxBackwardRow(dPb + i * Tk, Pb + i * Tk, cols: e) }
                // forward: S = scale * q_h @ k_g^T  ->  dq_h = scale * dS @ k_g (each block's rows once),
                //                                       dk_g += scale * dS^T @ q_h
                gemm(.none, .none, m: m, n: HS, k: e, alpha: scale, a: dPb, lda: Tk, b: kg, ldb: KV, c: dqh + r0 * Q, ldc: Q)
                gemm(.transposed, .none, m: e, n: HS, k: m, alpha: scale, a: dPb, lda: Tk, b: qh + r0 * Q, ldb: Q, beta: 1, c: dkg, ldc: KV)
                r0 = r1
            }
        }
    }
}

/// In place: the row becomes softmax over its first `valid` entries, zeros after (up to `cols`).
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, valid n: Int, cols: Int) {
    softmaxInPlace(row, n)
    if n < cols { (row + n).update(repeating: 0, count: cols - n) }
}

/// In place over `cols` entries: dP becomes P * (dP - sum(P * dP)).
@inline(__always)
func softmaxBackwardRow(_ d: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, cols: Int) {
    let s = splat(vdot(d, p, cols))
    var j = 0
    while j + 16 <= cols { let pv = load16(p + j); store16(pv * (load16(d + j) - s), d + j); j += 16 }
    while j < cols { d[j] = p[j] * (d[j] - s[0]); j += 1 }
}

/// x[0..<n] = softmax(x[0..<n]).
@inline(__always)
func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    let m = splat(vmax(x, n))
    var acc = F16(), j = 0
    while j + 16 <= n { let e = fastExp(load16(x + j) - m); store16(e, x + j); acc += e; j += 16 }
    var sum = acc.sum()
    while j < n { let e = fastExp(x[j] - m[0]); x[j] = e; sum += e; j += 1 }
    let inv = splat(1 / sum)
    j = 0
    while j + 16 <= n { store16(load16(x + j) * inv, x + j); j += 16 }
    while j < n { x[j] *= inv[0]; j += 1 }
}
