// SwiGLU gate of the Llama MLP: h = silu(gate) * up, silu(g) = g * sigmoid(g).

/// h (N) from gate (N), up (N).
public func swigluForward(_ h: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        while i + 16 <= r.upperBound {
            let g = load16(gate + i)
            store16(g / (splat(1) + fastExp(-g)) * load16(up + i), h + i)
            i += 16
        }
        while i < r.upperBound { let g = gate[i]; h[i] = g / (1 + fastExp(-g)) * up[i]; i += 1 }
    }
}

/// dgate (N) =, dup (N) = from dh (N): activation gradients of one layer, overwritten (no zero fill first).
public func swigluBackward(_ dgate: UnsafeMutablePointer<Float>, _ dup: UnsafeMutablePointer<Float>,
                           _ dh: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
    // forward: h = g * sig(g) * up
    //   dup   = dh * g * sig(g)
    //   dgate = dh * up * sig(g) * (1 + g * (1 - sig(g)))
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        let one = splat(1)
        while i + 16 <= r.upperBound {
            let g = load16(gate + i), u = load16(up + i), d = load16(dh + i)
            let sg = one / (one + fastExp(-g))
            store16(d * g * sg, dup + i)
            store16(d * u * sg * (one + g * (one - sg)), dgate + i)
            i += 16
        }
        while i < r.upperBound {
            let g = gate[i], sg = 1 / (1 + fastExp(-g))
            dup[i] = dh[i] * g * sg
            dgate[i] = dh[i] * up[i] * sg * (1 + g * (1 - sg))
            i += 1
        }
    }
}
