// RMSNorm with Gemma's (1 + w) scaling over whole rows (Gemma's four norms per block and its final norm), and
// the per-head RMSNorm pair both Qwen3 and Gemma 3 use on q and k (q_norm, k_norm): every head vector of HS in
// q (N, NH*HS) or k (N, NKV*HS) is normalised on its own and scaled by one weight (HS) shared by all heads.
// Everything here is the Llama RMSNorm kernel (KernelsRMSNorm.swift): per head it runs over N*heads rows of HS;
// for (1 + w) it gets the shifted weight 1 + w, and since d out / d w = d out / d (1 + w) the weight gradient is
// the same sum and nothing is written twice. All fp32, like HF's Qwen3RMSNorm and Gemma3RMSNorm.

/// Calls `body` with 1 + w[0..<C] (a temporary copy; C is a hidden size or a head size).
@inline(__always)
func withOnePlus<R>(_ w: UnsafePointer<Float>, _ C: Int, _ body: (UnsafePointer<Float>) -> R) -> R {
    let s = UnsafeMutablePointer<Float>.allocate(capacity: C)
    defer { s.deallocate() }
    for c in 0..<C { s[c] = 1 + w[c] }
    return body(s)
}

/// out (N, C), rstd (N) from x (N, C), w (C): out = rmsnorm(x) * (1 + w).
public func rmsnormOnePlusForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                                  _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int, C: Int, eps: Float) {
    withOnePlus(w, C) { rmsnormForward(out, rstd, x, $0, n: n, C: C, eps: eps) }
}

/// dx (N, C) +=, dw (C) += (nil for a frozen norm).
public func rmsnormOnePlusBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?,
                                   _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                   _ rstd: UnsafePointer<Float>, n: Int, C: Int) {
    // forward: out[c] = x[c] * rstd * (1 + w[c])  ->  rmsnormBackward with weight 1 + w
    withOnePlus(w, C) { rmsnormBackward(dx, dw, dout, x, $0, rstd, n: n, C: C) }
}

/// Per-head norm: out (N, heads*HS), rstd (N*heads) from x (N, heads*HS) and one w (HS); onePlus scales by
/// (1 + w) (Gemma 3), otherwise by w (Qwen3). out may be x (inference normalises in place: each row's rstd is
/// taken before the row is written).
public func headRMSNormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                               _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int, heads: Int, HS: Int,
                               eps: Float, onePlus: Bool) {
    if onePlus { rmsnormOnePlusForward(out, rstd, x, w, n: n * heads, C: HS, eps: eps) }
    else { rmsnormForward(out, rstd, x, w, n: n * heads, C: HS, eps: eps) }
}

/// dx (N, heads*HS) +=, dw (HS) += (nil when frozen) from dout (N, heads*HS); dx must not be dout.
public func headRMSNormBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?,
                                _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ rstd: UnsafePointer<Float>, n: Int, heads: Int, HS: Int, onePlus: Bool) {
    // forward: out[r, c] = x[r, c] * rstd[r] * w[c] (or * (1 + w[c])) over rows r < N*heads, so the row
    // backward over those rows, its dw summing every head's contribution
    if onePlus { rmsnormOnePlusBackward(dx, dw, dout, x, w, rstd, n: n * heads, C: HS) }
    else { rmsnormBackward(dx, dw, dout, x, w, rstd, n: n * heads, C: HS) }
}
