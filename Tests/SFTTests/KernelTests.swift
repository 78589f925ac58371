// Every kernel against its naive reference (Reference.*), and every backward against finite differences
// of its forward through sum(out * dOut).
import XCTest
import Foundation
import SFT

final class KernelTests: XCTestCase {
    func testFastExpMatchesFoundation() {
        var worst: Float = 0
        for i in 0..<20000 {
            let x = Float(i) / 20000 * 170 - 86
            let e = fastExp(x), r = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(e - r) / r)
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertEqual(fastExp(-200), 0)
    }

    func testEmbedding() {
        var rng = TestRNG(1)
        let (V, C, n) = (7, 19, 5)
        let table = rng.array(V * C)
        let tokens: [Int32] = [3, 0, 3, 6, 1]
        let out = [Float](repeating: 0, count: n * C).mutated { o in embeddingForward(o, tokens, table, n: n, C: C) }
        for i in 0..<n { XCTAssertEqual(Array(out[(i * C)..<((i + 1) * C)]), Array(table[(Int(tokens[i]) * C)..<((Int(tokens[i]) + 1) * C)])) }
        let dOut = rng.array(n * C)
        let dt = [Float](repeating: 0, count: V * C).mutated { d in embeddingBackward(d, dOut, tokens, n: n, C: C) }
        checkGradient("dtable", x: table, analytic: dt, dOut: dOut) { t in
            [Float](repeating: 0, count: n * C).mutated { o in embeddingForward(o, tokens, t, n: n, C: C) }
        }
    }

    func testResidual() {
        var rng = TestRNG(2)
        let a = rng.array(37), b = rng.array(37), dOut = rng.array(37)
        let out = [Float](repeating: 0, count: 37).mutated { o in residualForward(o, a, b, n: 37) }
        XCTAssertEqual(out, zip(a, b).map { $0 + $1 })
        var da = [Float](repeating: 0, count: 37), db = da
        residualBackward(&da, &db, dOut, n: 37)
        XCTAssertEqual(da, dOut); XCTAssertEqual(db, dOut)
    }

    func rms(_ x: [Float], _ w: [Float], n: Int, C: Int) -> [Float] {
        var rstd = [Float](repeating: 0, count: n)
        return [Float](repeating: 0, count: n * C).mutated { o in rmsnormForward(o, &rstd, x, w, n: n, C: C, eps: 1e-5) }
    }

    func testRMSNorm() {
        var rng = TestRNG(3)
        let (n, C) = (6, 37)
        let x = rng.array(n * C), w = rng.array(C), dOut = rng.array(n * C)
        XCTAssertLessThan(maxAbsDiff(rms(x, w, n: n, C: C), Reference.rmsnorm(x, w, n: n, C: C, eps: 1e-5)), 1e-5)
        var rstd = [Float](repeating: 0, count: n)
        _ = [Float](repeating: 0, count: n * C).mutated { o in rmsnormForward(o, &rstd, x, w, n: n, C: C, eps: 1e-5) }
        var dx = [Float](repeating: 0, count: n * C), dw = [Float](repeating: 0, count: C)
        rmsnormBackward(&dx, &dw, dOut, x, w, rstd, n: n, C: C)
        checkGradient("dx", x: x, analytic: dx, dOut: dOut) { rms($0, w, n: n, C: C) }
        checkGradient("dw", x: w, analytic: dw, dOut: dOut) { rms(x, $0, n: n, C: C) }
    }

    func testRoPE() {
        var rng = TestRNG(4)
        let (B, T, heads, HS) = (2, 5, 3, 36)
        let n = B * T
        let table = RoPETable(headDim: HS, maxPositions: 64, theta: 10000)
        let x = rng.array(n * heads * HS), dOut = rng.array(n * heads * HS)
        let fwd: ([Float]) -> [Float] = { $0.mutated { p in ropeForward(p, table, n: n, T: T, posOffset: 3, heads: heads) } }
        XCTAssertLessThan(maxAbsDiff(fwd(x), Reference.rope(x, n: n, T: T, posOffset: 3, heads: heads, HS: HS, theta: 10000)), 1e-5)
        let dx = dOut.mutated { p in ropeBackward(p, table, n: n, T: T, posOffset: 3, heads: heads) }
        checkGradient("dx", x: x, analytic: dx, dOut: dOut, forward: fwd)
    }

    func attn(_ q: [Float], _ k: [Float], _ v: [Float], B: Int, Tq: Int, Tk: Int, NH: Int, NKV: Int, HS: Int) -> [Float] {
        var probs = [Float](repeating: 0, count: B * NH * Tq * Tk)
        return [Float](repeating: 0, count: B * Tq * NH * HS).mutated { o in
            attentionForward(o, &probs, q, k, v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS)
        }
    }

    func testAttention() {
        var rng = TestRNG(5)
        for (B, Tq, Tk) in [(2, 7, 7), (1, 3, 8), (1, 1, 5)] {
            let (NH, NKV, HS) = (4, 2, 8)
            let q = rng.array(B * Tq * NH * HS), k = rng.array(B * Tk * NKV * HS), v = rng.array(B * Tk * NKV * HS)
            let dOut = rng.array(B * Tq * NH * HS)
            let out = attn(q, k, v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS)
            XCTAssertLessThan(maxAbsDiff(out, Reference.attention(q: q, k: k, v: v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS)), 1e-5)
            var probs = [Float](repeating: 0, count: B * NH * Tq * Tk)
            var o2 = out
            attentionForward(&o2, &probs, q, k, v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS)
            var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count), dv = dk
            var scratch = [Float](repeating: 0, count: B * NKV * Tq * Tk)
            attentionBackward(&dq, &dk, &dv, &scratch, dOut, q, k, v, probs, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS)
            checkGradient("dq", x: q, analytic: dq, dOut: dOut) { attn($0, k, v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS) }
            checkGradient("dk", x: k, analytic: dk, dOut: dOut) { attn(q, $0, v, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS) }
            checkGradient("dv", x: v, analytic: dv, dOut: dOut) { attn(q, k, $0, B: B, Tq: Tq, Tk: Tk, NH: NH, NKV: NKV, HS: HS) }
        }
    }

    func testLowRankLoopsMatchNaiveProducts() {
        var rng = TestRNG(11)
        // odd sizes reach every tail (rows not a multiple of 2 or 4, columns of 4, features of 16)
        for (n, d, r) in [(7, 37, 5), (130, 64, 8), (1, 16, 3)] {
            let x = rng.array(n * d), A = rng.array(r * d), dy = rng.array(n * d), B = rng.array(d * r), xa0 = rng.array(n * r)
            var xa = [Float](repeating: 0, count: n * r)
            lowRankProject(&xa, x, A, n: n, inF: d, r: r)
            XCTAssertLessThan(maxAbsDiff(xa, naiveMatmul(x, transpose(A, rows: r, cols: d), m: n, k: d, n: r)), 1e-4)
            var dxa = [Float](repeating: 0, count: n * r), gB = [Float](repeating: 1, count: d * r)
            lowRankBackwardB(&dxa, &gB, dy, xa0, B, n: n, outF: d, r: r, scale: 0.5)
            XCTAssertLessThan(maxAbsDiff(dxa, naiveMatmul(dy, B, m: n, k: d, n: r).map { $0 * 0.5 }), 1e-4)
            let dB = naiveMatmul(transpose(dy, rows: n, cols: d), xa0, m: d, k: n, n: r).map { 1 + $0 * 0.5 }
            XCTAssertLessThan(maxAbsDiff(gB, dB), 1e-4)
        }
    }

    func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        (0..<(rows * cols)).map { i in m[(i % rows) * cols + i / rows] }
    }

    func testSwiGLU() {
        var rng = TestRNG(6)
        let n = 53
        let g = rng.array(n, scale: 4), u = rng.array(n), dOut = rng.array(n)
        let fwd: ([Float], [Float]) -> [Float] = { g, u in [Float](repeating: 0, count: n).mutated { h in swigluForward(h, g, u, n: n) } }
        XCTAssertLessThan(maxAbsDiff(fwd(g, u), Reference.swiglu(gate: g, up: u)), 1e-5)
        var dg = [Float](repeating: 0, count: n), du = dg
        swigluBackward(&dg, &du, dOut, g, u, n: n)
        checkGradient("dgate", x: g, analytic: dg, dOut: dOut) { fwd($0, u) }
        checkGradient("dup", x: u, analytic: du, dOut: dOut) { fwd(g, $0) }
    }

    func testLMHeadCrossEntropy() {
        var rng = TestRNG(7)
        let (n, C, V) = (9, 12, 37)
        let x = rng.array(n * C), W = rng.array(V * C)
        let targets: [Int32] = (0..<n).map { Int32(($0 * 7) % V) }
        let mask: [Float] = [1, 1, 0, 1, 0, 1, 1, 1, 0]
        let scale = 1 / mask.reduce(0, +)
        func loss(_ x: [Float], _ W: [Float]) -> [Float] {
            var losses = [Float](repeating: 0, count: n)
            var scratch = [Float](repeating: 0, count: lmHeadScratchCount(chunk: 4, C: C, V: V))
            let total = lmHeadCrossEntropy(&losses, nil, nil, scratch: &scratch, x, W, targets, mask, gradScale: 1, n: n, C: C, V: V, chunk: 4)
            return [Float(total) * scale]
        }
        // Reference: full logits then per-row cross-entropy.
        var logits = [Float](repeating: 0, count: n * V)
        for i in 0..<n { for v in 0..<V { var s: Float = 0; for c in 0..<C { s += x[i * C + c] * W[v * C + c] }; logits[i * V + v] = s } }
        let ref = Reference.crossEntropy(logits: logits, targets: targets, mask: mask, n: n, V: V).reduce(0, +) * scale
        XCTAssertEqual(loss(x, W)[0], ref, accuracy: 1e-5)
        var losses = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n * C), dW = [Float](repeating: 0, count: V * C)
        var scratch = [Float](repeating: 0, count: lmHeadScratchCount(chunk: 4, C: C, V: V))
        lmHeadCrossEntropy(&losses, &dx, &dW, scratch: &scratch, x, W, targets, mask, gradScale: scale, n: n, C: C, V: V, chunk: 4)
        checkGradient("dx", x: x, analytic: dx, dOut: [1]) { loss($0, W) }
        checkGradient("dW", x: W, analytic: dW, dOut: [1]) { loss(x, $0) }
    }

    func testHalfMatVec() {
        var rng = TestRNG(8)
        let (rows, cols) = (37, 64)
        var w = rng.array(rows * cols)
        w[3] = 3e-6; w[5] = -7e-8; w[9] = 70000   // fp16 subnormals and saturation
        let x = rng.array(cols)
        let h = w.withUnsafeBufferPointer { HalfMatrix($0.baseAddress!, rows: rows, cols: cols) }
        XCTAssertEqual(h.value(row: 0, col: 9), 65504)
        XCTAssertEqual(h.value(row: 0, col: 3), Float(Float16(3e-6)))
        var y = [Float](repeating: 1, count: rows)
        halfMatVec(&y, h, x, accumulate: true)
        for i in 0..<rows {
            var ref: Float = 1
            for j in 0..<cols { ref += h.value(row: i, col: j) * x[j] }
            XCTAssertEqual(y[i], ref, accuracy: 1e-5 * max(1, abs(ref)))
        }
    }
}
