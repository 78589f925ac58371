// Per-head RMSNorm (Qwen3's q_norm and k_norm): every head vector of HS in q (N, NH*HS) or k (N, NKV*HS) is
// normalised on its own and scaled by one weight (HS) shared by all heads. That is the plain RMSNorm kernel
// (KernelsRMSNorm.swift) over N*heads rows of HS, so this pair only says so, with the shapes.

/// out (N, heads*HS), rstd (N*heads) from x (N, heads*HS), w (HS). out may be x (inference normalises in place:
/// each row's rstd is taken before the row is written).
public func headRMSNormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                               _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int, heads: Int, HS: Int, eps: Float) {
    rmsnormForward(out, rstd, x, w, n: n * heads, C: HS, eps: eps)
}

/// dx (N, heads*HS) += ..., dw (HS) += ... (nil when frozen); dx must not be dout.
public func headRMSNormBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?,
                                _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ rstd: UnsafePointer<Float>, n: Int, heads: Int, HS: Int) {
    // forward: out[r, c] = x[r, c] * rstd[r] * w[c] over rows r < N*heads, so rmsnormBackward over those rows,
    // its dw summing every head's contribution
    rmsnormBackward(dx, dw, dout, x, w, rstd, n: n * heads, C: HS)
}
