// AdamW against its scalar reference (PyTorch's formula), gradient clipping, and the non-finite skip.
import XCTest
import SFT

final class OptimizerTests: XCTestCase {
    func testMatchesReference() {
        var rng = TestRNG(3)
        let n = 1000
        var ref = rng.array(n), m = [Float](repeating: 0, count: n), v = m
        let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
        p.pointer.baseAddress!.update(from: ref, count: n)
        let cfg = AdamWConfig(weightDecay: 0.1, maxGradNorm: nil)
        let opt = AdamW(count: n, config: cfg)
        for t in 1...5 {
            let grads = rng.array(n, scale: 0.01)
            g.pointer.baseAddress!.update(from: grads, count: n)
            let rep = opt.step(params: p.base, grads: g.base, lr: 1e-2)
            AdamW.referenceStep(params: &ref, grads: grads, m: &m, v: &v, step: t, lr: 1e-2, config: cfg)
            XCTAssertEqual(rep.step, t)
            XCTAssertFalse(rep.clipped)
        }
        XCTAssertLessThan(maxAbsDiff(Array(p.pointer), ref), 1e-6)
    }

    func testClippingAndNonFinite() {
        let n = 100
        let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
        for i in 0..<n { g.base[i] = 1 }   // norm 10
        let opt = AdamW(count: n, config: AdamWConfig(maxGradNorm: 1))
        let rep = opt.step(params: p.base, grads: g.base, lr: 1e-3)
        XCTAssertEqual(rep.gradNorm, 10, accuracy: 1e-5)
        XCTAssertTrue(rep.clipped)
        // Clipped gradient 0.1 each: first Adam step moves every weight by lr (m/sqrt(v) = 1).
        XCTAssertEqual(p.base[0], -1e-3, accuracy: 1e-6)
        let before = Array(p.pointer)
        g.base[7] = .nan
        let bad = opt.step(params: p.base, grads: g.base, lr: 1e-3)
        XCTAssertTrue(bad.skipped)
        XCTAssertEqual(bad.step, 1)
        XCTAssertEqual(Array(p.pointer), before)
    }

    func testZeroingGradientsChangesNothingElse() {
        var rng = TestRNG(9)
        let n = 203   // not a multiple of 16: the scalar tail zeroes too
        let start = rng.array(n), grads = rng.array(n, scale: 0.1)
        func run(zeroing: Bool) -> (params: [Float], grads: [Float]) {
            let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
            p.base.update(from: start, count: n); g.base.update(from: grads, count: n)
            let opt = AdamW(count: n, config: AdamWConfig(maxGradNorm: 0.5))
            opt.noDecay = [10..<20]
            opt.step(params: p.base, grads: g.base, lr: 1e-2, zeroGradients: zeroing)
            return (Array(p.pointer), Array(g.pointer))
        }
        let kept = run(zeroing: false), zeroed = run(zeroing: true)
        XCTAssertEqual(kept.params, zeroed.params)
        XCTAssertEqual(kept.grads, grads)
        XCTAssertEqual(zeroed.grads, [Float](repeating: 0, count: n))
        // a skipped step leaves the gradients for the caller to see (and zero)
        let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
        g.base.update(from: grads, count: n); g.base[5] = .infinity
        XCTAssertTrue(AdamW(count: n).step(params: p.base, grads: g.base, lr: 1e-2, zeroGradients: true).skipped)
        XCTAssertEqual(g.base[0], grads[0])
    }

    func testVectorSquareRootIsWithinFloatRounding() {
        // zero, denormals, and normal floats over the whole range in steps of about 1.3x
        var xs: [Float] = [0, .leastNonzeroMagnitude, 1e-40, .leastNormalMagnitude, 1, 2, 4, 0.25, .greatestFiniteMagnitude]
        var x: Float = 1e-37
        while x < 1e37 { xs.append(x); x *= 1.3 }
        for start in stride(from: 0, to: xs.count, by: 16) {
            var v = F16()
            for j in 0..<16 { v[j] = xs[min(start + j, xs.count - 1)] }
            let r = sqrt16(v)
            for j in 0..<16 {
                let want = v[j].squareRoot()
                XCTAssertLessThanOrEqual(abs(r[j] - want), 3e-7 * want, "sqrt(\(v[j]))")
            }
        }
    }

    func testNoDecayRanges() {
        let n = 64
        let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
        for i in 0..<n { p.base[i] = 1 }
        let opt = AdamW(count: n, config: AdamWConfig(weightDecay: 0.5, maxGradNorm: nil))
        opt.noDecay = [16..<32]
        opt.step(params: p.base, grads: g.base, lr: 0.1)
        XCTAssertEqual(p.base[0], 0.95, accuracy: 1e-6)
        XCTAssertEqual(p.base[20], 1)
        XCTAssertEqual(p.base[40], 0.95, accuracy: 1e-6)
        let cfg = ModelConfig(architecture: .qwen2, vocabSize: 8, hiddenSize: 4, intermediateSize: 8, numLayers: 1, numHeads: 2,
                              numKVHeads: 1, maxPositions: 8, ropeTheta: 1e4, rmsNormEps: 1e-6, tiedEmbeddings: true)
        XCTAssertEqual(ParameterTensors(config: cfg).noDecayRanges.map(\.count), [4, 4, 2, 2, 4, 4])
    }
}
