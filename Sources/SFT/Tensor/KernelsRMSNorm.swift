// RMSNorm (Llama): out = x / sqrt(mean(x^2) + eps) * w, saving rstd per row for backward.

/// out (N, C), rstd (N) from x (N, C), w (C).
public func rmsnormForward(_ out: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                           _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, n: Int, C: Int, eps: Float) {
    Parallel.rows(n, minPerChunk: 16) { r in
        for i in r {
            let xi = x + i * C, oi = out + i * C
            let s = 1 / (vdot(xi, xi, C) / Float(C) + eps).squareRoot()
            rstd[i] = s
            let sv = splat(s)
            var c = 0
            while c + 16 <= C { store16(load16(xi + c) * sv * load16(w + c), oi + c); c += 16 }
            while c < C { oi[c] = xi[c] * s * w[c]; c += 1 }
        }
    }
}

/// dx (N, C) += ..., dw (C) += ... (dw may be nil for a frozen norm).
public func rmsnormBackward(_ dx: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>?,
                            _ dout: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                            _ rstd: UnsafePointer<Float>, n: Int, C: Int) {
    // forward: out[c] = x[c] * rstd * w[c],  rstd = (mean(x^2) + eps)^-1/2
    //   dx[c] += rstd * w[c]*dout[c] - x[c] * rstd^3 / C * sum_j(w[j]*dout[j]*x[j])
    Parallel.rows(n, minPerChunk: 16) { r in
        for i in r {
            let xi = x + i * C, di = dout + i * C, dxi = dx + i * C
            let s = rstd[i]
            var acc = F16(), c = 0
            while c + 16 <= C { acc = acc.addingProduct(load16(w + c) * load16(di + c), load16(xi + c)); c += 16 }
            var dot = acc.sum()
            while c < C { dot += w[c] * di[c] * xi[c]; c += 1 }
            let k = -dot * s * s * s / Float(C)
            let sv = splat(s), kv = splat(k)
            c = 0
            while c + 16 <= C {
                let g = (sv * load16(w + c) * load16(di + c)).addingProduct(kv, load16(xi + c))
                store16(load16(dxi + c) + g, dxi + c); c += 16
            }
            while c < C { dxi[c] += s * w[c] * di[c] + k * xi[c]; c += 1 }
        }
    }
    //   dw[c] += sum_i dout[i,c] * x[i,c] * rstd[i]   (split over columns: no races)
    guard let dw else { return }
    let blocks = (C + 63) / 64
    Parallel.rows(blocks) { r in
        let lo = r.lowerBound * 64, hi = min(C, r.upperBound * 64)
        for i in 0..<n {
            let s = rstd[i]
            for c in lo..<hi { dw[c] += dout[i * C + c] * x[i * C + c] * s }
        }
    }
}
