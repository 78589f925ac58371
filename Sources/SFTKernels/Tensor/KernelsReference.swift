// Naive scalar forwards of every fast kernel, written for clarity in Double, kept as the references the
// kernel tests compare against (and that finite differences differentiate). Not used by the model.
import Foundation

public enum Reference {
    public static func rmsnorm(_ x: [Float], _ w: [Float], n: Int, C: Int, eps: Float) -> [Float] {
        var out = [Float](repeating: 0, count: n * C)
        for i in 0..<n {
            var ss = 0.0
            for c in 0..<C { ss += Double(x[i * C + c]) * Double(x[i * C + c]) }
            let r = 1 / (ss / Double(C) + Double(eps)).squareRoot()
            for c in 0..<C { out[i * C + c] = Float(Double(x[i * C + c]) * r * Double(w[c])) }
        }
        return out
    }

    public static func rope(_ x: [Float], n: Int, T: Int, posOffset: Int, heads: Int, HS: Int, theta: Float) -> [Float] {
        var out = x
        let half = HS / 2
        for row in 0..<n {
            let pos = Double(posOffset + row % T)
            for h in 0..<heads {
                for i in 0..<half {
                    let a = pos * Foundation.pow(Double(theta), -Double(2 * i) / Double(HS))
                    let base = row * heads * HS + h * HS
                    let x0 = Double(x[base + i]), x1 = Double(x[base + i + half])
                    out[base + i] = Float(x0 * Foundation.cos(a) - x1 * Foundation.sin(a))
                    out[base + i + half] = Float(x1 * Foundation.cos(a) + x0 * Foundation.sin(a))
                }
            }
        }
        return out
    }

    public static func attention(q: [Float], k: [Float], v: [Float], B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) -> [Float] {
        let Q = NH * HS, KV = NKV * HS
        var out = [Float](repeating: 0, count: B * Tq * Q)
        for b in 0..<B { for h in 0..<NH {
            let g = h / (NH / NKV)
            for i in 0..<Tq {
                let last = Tk - Tq + i
                var s = [Double](repeating: 0, count: last + 1)
                for j in 0...last {
                    var d = 0.0
                    for e in 0..<HS { d += Double(q[(b * Tq + i) * Q + h * HS + e]) * Double(k[(b * Tk + j) * KV + g * HS + e]) }
                    s[j] = d / Double(HS).squareRoot()
                }
                let m = s.max()!
                let ex = s.map { Foundation.exp($0 - m) }
                let z = ex.reduce(0, +)
                for e in 0..<HS {
                    var acc = 0.0
                    for j in 0...last { acc += ex[j] / z * Double(v[(b * Tk + j) * KV + g * HS + e]) }
                    out[(b * Tq + i) * Q + h * HS + e] = Float(acc)
                }
            }
        } }
        return out
    }

    public static func swiglu(gate: [Float], up: [Float]) -> [Float] {
        zip(gate, up).map { g, u in Float(Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u)) }
    }

    /// Per-row losses of softmax cross-entropy over logits (N, V); 0 where mask is 0.
    public static func crossEntropy(logits: [Float], targets: [Int32], mask: [Float], n: Int, V: Int) -> [Float] {
        (0..<n).map { i in
            if mask[i] == 0 { return 0 }
            let row = logits[(i * V)..<((i + 1) * V)].map(Double.init)
            let m = row.max()!
            let lse = Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +)) + m
            return Float(lse - row[Int(targets[i])])
        }
    }
}
