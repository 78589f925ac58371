// RMSNorm with Gemma's (1 + w) scaling, over whole rows (Gemma's four norms per block and its final norm) and
// per head (QK-norm: q (N, NH*HS) is N*NH rows of HS, one weight (HS) shared by all heads).
// out = x / sqrt(mean(x^2) + eps) * (1 + w), all in fp32 like HF's Gemma3RMSNorm. These call the Llama
// kernels (KernelsRMSNorm.swift) with the shifted weight 1 + w: d out / d w = d out / d (1 + w), so the
// weight gradient is the same sum and nothing is written twice.

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

/// Per-head norm: out (N, H*HS), rstd (N*H) from x (N, H*HS) and one w (HS); onePlus picks (1 + w) (Gemma 3)
/// or w (Qwen3). out may be x (each row is read before it is written).
public func headNormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                            _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int, heads: Int, HS: Int,
                            eps: Float, onePlus: Bool) {
    if onePlus { rmsnormOnePlusForward(out, rstd, x, w, n: n * heads, C: HS, eps: eps) }
    else { rmsnormForward(out, rstd, x, w, n: n * heads, C: HS, eps: eps) }
}

/// dx (N, H*HS) +=, dw (HS) += from dout (N, H*HS); dx must not be dout.
public func headNormBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?,
                             _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ rstd: UnsafePointer<Float>, n: Int, heads: Int, HS: Int, onePlus: Bool) {
    // forward: out[r] = rmsnorm(x[r]) * (1 + w) (or * w) for each of the N*H head rows r
    if onePlus { rmsnormOnePlusBackward(dx, dw, dout, x, w, rstd, n: n * heads, C: HS) }
    else { rmsnormBackward(dx, dw, dout, x, w, rstd, n: n * heads, C: HS) }
}
