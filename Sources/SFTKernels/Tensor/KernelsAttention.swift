// Causal self-attention with grouped-query heads: NH query heads share NKV key/value heads (head h uses
// kv head h / (NH/NKV)). Scores and weighted sums are sgemm per (batch, head) and block of query rows;
// softmax is our own kernel.
// Queries may be the last Tq of Tk positions (KV-cache inference): query i sees keys 0 ... Tk - Tq + i.
// Training has Tq == Tk == T. Saves the probabilities (B, NH, Tq, Tk) for backward.
// Packed rows (training): `segments[b]` lists where each conversation starts in row b (the first at 0); a
// query sees only the keys of its own conversation up to itself (a block-diagonal causal mask), so the
// products run per conversation and nothing crosses from one into the next. Entries of P outside a
// conversation's block are never read (forward and backward both stay inside the blocks).
// Gemma 3 passes its own `scale` (query_pre_attn_scalar^-1/2 instead of HS^-1/2) and, on its sliding layers,
// a `window` W: query position i then sees only keys i - W + 1 ... i (HF's `kv_idx > q_idx - W`); 0 means
// no window. Probabilities outside the window are 0, so backward needs nothing but the same scale.

/// Query rows per block: a block's products stop at its last row's causal edge, so at T = 256 the score and
/// weighted-sum products do 10/16 of the full square's work.
let attentionQueryBlock = 64

/// The conversations of row b as (start, end) ranges; nil segments mean one conversation per row.
@inline(__always)
func attentionSegments(_ segments: [[Int]]?, row b: Int, T: Int) -> [(Int, Int)] {
    guard let starts = segments?[b] else { return [(0, T)] }
    return starts.indices.map { (starts[$0], $0 + 1 < starts.count ? starts[$0 + 1] : T) }
}

/// out (B, Tq, NH*HS), probs (B, NH, Tq, Tk) from q (B, Tq, NH*HS) (after RoPE), k, v (B, Tk, NKV*HS).
/// With out == nil only the probabilities are computed (backward recomputes them when keeping every layer's
/// would pass `Activations.storedProbsLimit`).
/// Heads run side by side, one per core, each with single-threaded BLAS (a 256 x 256 x 64 product is too
/// small to split over cores without the threads mostly waiting).
public func attentionForward(_ out: UnsafeMutablePointer<Float>?, _ probs: UnsafeMutablePointer<Float>,
                             _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                             B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int, segments: [[Int]]? = nil,
                             scale scaleOverride: Float? = nil, window: Int = 0) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = scaleOverride ?? 1 / Float(HS).squareRoot()
    precondition(segments == nil || Tq == Tk, "packed rows are for training (Tq == Tk)")
    if Tq == 1, let out { attentionOneQuery(out, probs, q, k, v, B: B, Tk: Tk, NH: NH, NKV: NKV, HS: HS, scale: scale, window: window); return }
    parallelWithSingleThreadedBLAS(B * NH) { bh in
        let b = bh / NH, h = bh % NH, g = h / group
        for (s, end) in attentionSegments(segments, row: b, T: Tq) {
            // this conversation's queries s ..< end see its keys s ..< (Tk - Tq + end)
            let qh = q + (b * Tq + s) * Q + h * HS
            let kg = k + (b * Tk + s) * KV + g * HS, vg = v + (b * Tk + s) * KV + g * HS
            let P = probs + bh * Tq * Tk + s * Tk + s
            let len = end - s, shift = Tk - Tq
            var r0 = 0
            while r0 < len {
                // rows r0 ..< r1 see keys 0 ..< e of the block (query i is position shift + i)
                let r1 = min(r0 + attentionQueryBlock, len), e = shift + r1
                // S (rows, e) = scale * q_h @ k_g^T
                gemm(.none, .transposed, m: r1 - r0, n: e, k: HS, alpha: scale, a: qh + r0 * Q, lda: Q, b: kg, ldb: KV,
                     c: P + r0 * Tk, ldc: Tk)
                for i in r0..<r1 {
                    if window > 0 { windowSoftmaxRow(P + i * Tk, from: max(0, shift + i + 1 - window), valid: shift + i + 1, cols: shift + len) }
                    else { causalSoftmaxRow(P + i * Tk, valid: shift + i + 1, cols: shift + len) }
                }
                // out_h (rows, HS) = P @ v_g
                if let out {
                    gemm(.none, .none, m: r1 - r0, n: HS, k: e, a: P + r0 * Tk, lda: Tk, b: vg, ldb: KV,
                         c: out + (b * Tq + s + r0) * Q + h * HS, ldc: Q)
                }
                r0 = r1
            }
        }
    }
}

/// Decoding (one query per sequence): heads in parallel with SIMD dot products, no BLAS calls (each would
/// cost more in thread wake-ups than the work). Same numbers as the gemm path up to summation order.
func attentionOneQuery(_ out: UnsafeMutablePointer<Float>, _ probs: UnsafeMutablePointer<Float>,
                       _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                       B: Int, Tk: Int, NH: Int, NKV: Int, HS: Int, scale: Float, window: Int = 0) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let lo = window > 0 ? max(0, Tk - window) : 0   // the one query (position Tk - 1) sees keys lo ..< Tk
    Parallel.rows(B * NH) { r in
        for bh in r {
            let b = bh / NH, h = bh % NH, g = h / group
            let qh = q + b * Q + h * HS, P = probs + bh * Tk, oh = out + b * Q + h * HS
            let kg = k + b * Tk * KV + g * HS, vg = v + b * Tk * KV + g * HS
            for j in lo..<Tk { P[j] = vdot(qh, kg + j * KV, HS) * scale }
            softmaxInPlace(P + lo, Tk - lo)
            if lo > 0 { P.update(repeating: 0, count: lo) }
            oh.update(repeating: 0, count: HS)
            for j in lo..<Tk { vaxpy(oh, P[j], vg + j * KV, HS) }
        }
    }
}

/// dq (B,Tq,NH*HS) =, dk, dv (B,Tk,NKV*HS) = from dout (B,Tq,NH*HS): overwritten, no zero fill needed.
/// scratch holds B*NKV*Tq*Tk floats. `segments` as in attentionForward.
/// The heads of one kv group share dk_g and dv_g, so groups (not heads) run side by side.
public func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>,
                              _ dv: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                              _ dout: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                              _ v: UnsafePointer<Float>, _ probs: UnsafePointer<Float>,
                              B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int, segments: [[Int]]? = nil,
                              scale scaleOverride: Float? = nil) {
    let Q = NH * HS, KV = NKV * HS, group = NH / NKV
    let scale = scaleOverride ?? 1 / Float(HS).squareRoot()
    precondition(segments == nil || Tq == Tk, "packed rows are for training (Tq == Tk)")
    parallelWithSingleThreadedBLAS(B * NKV) { bg in
        let b = bg / NKV, g = bg % NKV
        for t in 0..<Tk {
            (dk + (b * Tk + t) * KV + g * HS).update(repeating: 0, count: HS)
            (dv + (b * Tk + t) * KV + g * HS).update(repeating: 0, count: HS)
        }
        for (s, end) in attentionSegments(segments, row: b, T: Tq) {
            let kg = k + (b * Tk + s) * KV + g * HS, vg = v + (b * Tk + s) * KV + g * HS
            let dkg = dk + (b * Tk + s) * KV + g * HS, dvg = dv + (b * Tk + s) * KV + g * HS
            let dP = scratch + bg * Tq * Tk + s * Tk + s
            let len = end - s, shift = Tk - Tq
            for h in (g * group)..<((g + 1) * group) {
                let qh = q + (b * Tq + s) * Q + h * HS, dqh = dq + (b * Tq + s) * Q + h * HS, doh = dout + (b * Tq + s) * Q + h * HS
                let P = probs + (b * NH + h) * Tq * Tk + s * Tk + s
                var r0 = 0
                while r0 < len {
                    let r1 = min(r0 + attentionQueryBlock, len), e = shift + r1, m = r1 - r0
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
}

/// In place: the row becomes softmax over its first `valid` entries, zeros after (up to `cols`).
@inline(__always)
func causalSoftmaxRow(_ row: UnsafeMutablePointer<Float>, valid n: Int, cols: Int) {
    softmaxInPlace(row, n)
    if n < cols { (row + n).update(repeating: 0, count: cols - n) }
}

/// In place: the row becomes softmax over entries from ..< valid (a sliding window), zeros elsewhere up to `cols`.
@inline(__always)
func windowSoftmaxRow(_ row: UnsafeMutablePointer<Float>, from lo: Int, valid n: Int, cols: Int) {
    softmaxInPlace(row + lo, n - lo)
    if lo > 0 { row.update(repeating: 0, count: lo) }
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
