// Rotary position embedding in HF's rotate-half order: within each head vector of HS, element i pairs with
// i + HS/2. out[i] = x[i] cos - x[i+h] sin, out[i+h] = x[i+h] cos + x[i] sin, angle = pos * theta^(-2i/HS).
// Applied in place to q (N, NH*HS) and k (N, NKV*HS); the tables are computed once per model.
import Foundation

public struct RoPETable: @unchecked Sendable {
    public let headDim: Int          // HS
    public let maxPositions: Int
    public let cos: FloatBuffer      // (maxPositions, HS/2)
    public let sin: FloatBuffer      // (maxPositions, HS/2)

    /// Same numbers as HF: inv_freq in fp32, angle = fp32(pos * inv_freq), then cos/sin of that angle.
    /// `scaling` (Llama-3.x) changes the inverse frequencies only (RoPEScaling.swift).
    public init(headDim: Int, maxPositions: Int, theta: Float, scaling: RoPEScaling? = nil) {
        let half = headDim / 2
        self.headDim = headDim
        self.maxPositions = maxPositions
        cos = FloatBuffer(count: maxPositions * half)
        sin = FloatBuffer(count: maxPositions * half)
        var inv = Self.unscaledInverseFrequencies(headDim: headDim, theta: theta)
        if let scaling { inv = scaling.inverseFrequencies(inv) }
        for p in 0..<maxPositions {
            for i in 0..<half {
                let a = Double(Float(p) * inv[i])
                cos.base[p * half + i] = Float(Foundation.cos(a))
                sin.base[p * half + i] = Float(Foundation.sin(a))
            }
        }
    }

    /// theta^(-2i/HS) for i < HS/2 in fp32, as HF's `_compute_default_rope_parameters`.
    public static func unscaledInverseFrequencies(headDim: Int, theta: Float) -> [Float] {
        (0..<(headDim / 2)).map { i in 1 / Float(Foundation.pow(Double(theta), Double(Float(2 * i) / Float(headDim)))) }
    }
}

/// Rotates x (N, heads*HS) in place; row i has position posOffset + i % T, or positions[i] when given (packed
/// rows, where positions restart at every conversation).
public func ropeForward(_ x: UnsafeMutablePointer<Float>, _ table: RoPETable, n: Int, T: Int, posOffset: Int, heads: Int,
                        positions: UnsafePointer<Int32>? = nil) {
    ropeApply(x, table, n: n, T: T, posOffset: posOffset, heads: heads, sign: 1, positions: positions)
}

/// Rotates dx back in place: the transpose of the forward rotation.
public func ropeBackward(_ dx: UnsafeMutablePointer<Float>, _ table: RoPETable, n: Int, T: Int, posOffset: Int, heads: Int,
                         positions: UnsafePointer<Int32>? = nil) {
    // forward: out[i] = x[i] c - x[i+h] s;  out[i+h] = x[i+h] c + x[i] s
    //   dx[i] = dout[i] c + dout[i+h] s;   dx[i+h] = dout[i+h] c - dout[i] s   (rotation by -angle)
    ropeApply(dx, table, n: n, T: T, posOffset: posOffset, heads: heads, sign: -1, positions: positions)
}

@inline(__always)
private func ropeApply(_ x: UnsafeMutablePointer<Float>, _ table: RoPETable, n: Int, T: Int, posOffset: Int,
                       heads: Int, sign: Float, positions: UnsafePointer<Int32>?) {
    let HS = table.headDim, half = HS / 2
    precondition(posOffset + min(n, T) <= table.maxPositions, "position beyond the RoPE table")
    Parallel.rows(n, minPerChunk: 16) { r in
        for row in r {
            let pos = positions.map { Int($0[row]) } ?? posOffset + row % T
            let cs = table.cos.base + pos * half, sn = table.sin.base + pos * half
            for h in 0..<heads {
                let a = x + row * heads * HS + h * HS, b = a + half
                var i = 0
                let sg = splat(sign)
                while i + 16 <= half {
                    let c = load16(cs + i), s = load16(sn + i) * sg
                    let xa = load16(a + i), xb = load16(b + i)
                    store16(xa * c - xb * s, a + i)
                    store16(xb * c + xa * s, b + i)
                    i += 16
                }
                while i < half {
                    let c = cs[i], s = sn[i] * sign, xa = a[i], xb = b[i]
                    a[i] = xa * c - xb * s
                    b[i] = xb * c + xa * s
                    i += 1
                }
            }
        }
    }
}
