// Causal self-attention with grouped-query heads: NH query heads share NKV key/value heads (head h uses
// kv head h / (NH/NKV)). Scores and weighted sums are sgemm per (batch, head); softmax is our own kernel.
// Queries may be the last Tq of Tk positions (KV-cache inference): query i sees keys 0 ... Tk - Tq + i.
// Training has Tq == Tk == T. Saves the probabilities (B, NH, Tq, Tk) for backward.

/// out (B, Tq, NH*HS), probs (B, NH, Tq, Tk) from q (B, Tq, NH*HS) (after RoPE), k, v (B, Tk, NKV*HS).
/// With out == nil only the probabilities are computed (backward recomputes them instead of storing all layers').
public func attentionForward(_ out: UnsafeMutablePointer<Float>?, _ probs: UnsafeMutablePointer<Float>,
                             _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                             B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    if Tq == 1, let out { attentionOneQuery(out, probs, q, k, v, B: B, Tk: Tk, NH: NH, NKV: NKV, HS: HS); return }
    for b in 0..<B {
        for h in 0..<NH {
            let g = h / group
            let qh = q + b * Tq * Q + h * HS
            let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
            let P = probs + (b * NH + h) * Tq * Tk
            // S (Tq, Tk) = scale * q_h @ k_g^T
            gemm(.none, .transposed, m: Tq, n: Tk, k: HS, alpha: scale, a: qh, lda: Q, b: kg, ldb: KV, c: P, ldc: Tk)
            causalSoftmaxRows(P, rows: Tq, cols: Tk)
            // out_h (Tq, HS) = P @ v_g
            guard let out else { continue }
            gemm(.none, .none, m: Tq, n: HS, k: Tk, a: P, lda: Tk, b: vg, ldb: KV, c: out + b * Tq * Q + h * HS, ldc: Q)
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

/// dq (B,Tq,NH*HS) +=, dk, dv (B,Tk,NKV*HS) += from dout (B,Tq,NH*HS). scratch holds Tq*Tk floats.
public func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                              _ dv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                              _ v: UnsafePointer<Float>, _ probs: UnsafePointer<Float>,
                              B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = 1 / Float(HS).squareRoot()
    let dP = scratch
    for b in 0..<B {
        for h in 0..<NH {
            let g = h / group
            let qh = q + b * Tq * Q + h * HS, dqh = dq + b * Tq * Q + h * HS, doh = dout + b * Tq * Q + h * HS
            let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
            let dkg = dk + b * Tk * KV + g * HS, dvg = dv + b * Tk * KV + g * HS
            let P = probs + (b * NH + h) * Tq * Tk
            // forward: out_h = P @ v_g   ->  dP = dout_h @ v_g^T,  dv_g += P^T @ dout_h
            gemm(.none, .transposed, m: Tq, n: Tk, k: HS, a: doh, lda: Q, b: vg, ldb: KV, c: dP, ldc: Tk)
            gemm(.transposed, .none, m: Tk, n: HS, k: Tq, a: P, lda: Tk, b: doh, ldb: Q, beta: 1, c: dvg, ldc: KV)
            // forward: P = softmax(S) per row  ->  dS = P * (dP - sum_j P dP)
            softmaxBackwardRows(dP, P, rows: Tq, cols: Tk)
            // forward: S = scale * q_h @ k_g^T  ->  dq_h += scale * dS @ k_g,  dk_g += scale * dS^T @ q_h
            gemm(.none, .none, m: Tq, n: HS, k: Tk, alpha: scale, a: dP, lda: Tk, b: kg, ldb: KV, beta: 1, c: dqh, ldc: Q)
            gemm(.transposed, .none, m: Tk, n: HS, k: Tq, alpha: scale, a: dP, lda: Tk, b: qh, ldb: Q, beta: 1, c: dkg, ldc: KV)
        }
    }
}

/// In place: row i becomes softmax over its first (cols - rows + i + 1) entries, zeros after.
public func causalSoftmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    Parallel.rows(rows, minPerChunk: 32) { r in
        for i in r {
            let row = p + i * cols
            let n = cols - rows + i + 1
            softmaxInPlace(row, n)
            if n < cols { (row + n).update(repeating: 0, count: cols - n) }
        }
    }
}

/// In place: dP row becomes P * (dP - sum(P * dP)); P is zero past the causal edge so those become 0.
public func softmaxBackwardRows(_ d: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, rows: Int, cols: Int) {
    Parallel.rows(rows, minPerChunk: 32) { r in
        for i in r {
            let dr = d + i * cols, pr = p + i * cols
            let s = splat(vdot(dr, pr, cols))
            var j = 0
            while j + 16 <= cols { let pv = load16(pr + j); store16(pv * (load16(dr + j) - s), dr + j); j += 16 }
            while j < cols { dr[j] = pr[j] * (dr[j] - s[0]); j += 1 }
        }
    }
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
