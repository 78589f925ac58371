// GeGLU gate of the Gemma MLP: h = gelu_tanh(gate) * up, with PyTorch's tanh approximation
// (`gelu_pytorch_tanh`): gelu_tanh(g) = 0.5 g (1 + tanh(u)), u = sqrt(2/pi) (g + 0.044715 g^3).
// 0.5 (1 + tanh(u)) = sigmoid(2u), so the kernels compute g * sigmoid(2u): no cancellation near 0 and the
// same fast exp as SwiGLU (KernelsSwiGLU.swift, the pair this mirrors).

let geluTanhK: Float = 0.7978845608028654   // sqrt(2/pi)
let geluTanhA: Float = 0.044715

/// h (N) from gate (N), up (N).
public func gegluForward(_ h: UnsafeMutablePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        let one = splat(1), k2 = splat(-2 * geluTanhK), a = splat(geluTanhA)
        while i + 16 <= r.upperBound {
            let g = load16(gate + i)
            let s = one / (one + fastExp(k2 * (g + a * g * g * g)))   // sigmoid(2u)
            store16(g * s * load16(up + i), h + i)
            i += 16
        }
        while i < r.upperBound {
            let g = gate[i], s = 1 / (1 + fastExp(-2 * geluTanhK * (g + geluTanhA * g * g * g)))
            h[i] = g * s * up[i]; i += 1
        }
    }
}

/// dgate (N) =, dup (N) = from dh (N): activation gradients of one layer, overwritten (no zero fill first).
public func gegluBackward(_ dgate: UnsafeMutablePointer<Float>, _ dup: UnsafeMutablePointer<Float>,
                          _ dh: UnsafePointer<Float>, _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, n: Int) {
    // forward: h = g * s * up,  s = sigmoid(2u),  u = k (g + a g^3)
    //   dup   = dh * g * s
    //   dgate = dh * up * (s + g * s (1 - s) * 2k (1 + 3a g^2))
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        let one = splat(1), k2 = splat(-2 * geluTanhK), a = splat(geluTanhA), dk = splat(2 * geluTanhK), a3 = splat(3 * geluTanhA)
        while i + 16 <= r.upperBound {
            let g = load16(gate + i), u = load16(up + i), d = load16(dh + i)
            let g2 = g * g
            let s = one / (one + fastExp(k2 * (g + a * g2 * g)))
            store16(d * g * s, dup + i)
            store16(d * u * (s + g * s * (one - s) * dk * (one + a3 * g2)), dgate + i)
            i += 16
        }
        while i < r.upperBound {
            let g = gate[i], g2 = g * g
            let s = 1 / (1 + fastExp(-2 * geluTanhK * (g + geluTanhA * g2 * g)))
            dup[i] = dh[i] * g * s
            dgate[i] = dh[i] * up[i] * (s + g * s * (1 - s) * 2 * geluTanhK * (1 + 3 * geluTanhA * g2))
            i += 1
        }
    }
}
