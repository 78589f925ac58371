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
    //   dw[c] += sum_i dout[i,c] * x[i,c] * rstd[i]   (each core sums its rows into its own row, then they add up)
    guard let dw else { return }
    let chunks = Parallel.chunkCount(n, minPerChunk: 64)
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: chunks * C)
    defer { partial.deallocate() }
    partial.initialize(repeating: 0, count: chunks * C)
    Parallel.chunks(n, count: chunks) { ch, rows in
        let acc = partial + ch * C
        for i in rows {
            let xi = x + i * C, di = dout + i * C, sv = splat(rstd[i])
            var c = 0
            while c + 16 <= C { store16(load16(acc + c).addingProduct(load16(di + c) * load16(xi + c), sv), acc + c); c += 16 }
            while c < C { acc[c] += di[c] * xi[c] * sv[0]; c += 1 }
        }
    }
    for ch in 0..<chunks { vaxpy(dw, 1, partial + ch * C, C) }
}
