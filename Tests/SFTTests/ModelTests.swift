// The whole decoder against HF transformers (float64) on tiny Llama (tied) and Qwen2 (untied) models:
// loss, every logit, every weight gradient, 10 steps of full fine-tuning with AdamW and clipping; KV-cache
// prefill/decode against the training forward's logits; and finite differences through the whole model.
import XCTest
import SFT

final class ModelTests: XCTestCase {
    let fixtures = ["llama-tied", "qwen2-untied"]

    func testLossLogitsAndGradientsMatchHF() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let logits = try model.logits(tokens: f.tokens, batch: f.B, length: f.T)
            XCTAssertLessThan(maxAbsDiff(logits, f.logits), 1e-4, "\(name) logits")
            model.enableFullGradients()
            let loss = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
            XCTAssertEqual(Double(loss), f.loss, accuracy: 1e-4 * f.loss, "\(name) loss")
            model.backward()
            let ref = ParameterTensors(config: f.config)
            ModelFixture.fill(ref.named, from: try ModelFixture.floats("\(name).grads.bin"))
            for ((n, ours), (_, theirs)) in zip(model.grads!.named, ref.named) {
                let scale = theirs.toArray().map(abs).max()!
                XCTAssertLessThan(maxAbsDiff(ours.toArray(), theirs.toArray()), 1e-4 * scale + 1e-7, "\(name) grad \(n)")
            }
        }
    }

    func testTenAdamWStepsMatchHF() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            model.enableFullGradients()
            let losses = try adamWStepLosses(model, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                             steps: f.fullLosses.count, lr: f.lr, weightDecay: f.weightDecay, clip: f.clip)
            for (a, b) in zip(losses, f.fullLosses) { XCTAssertEqual(a, b, accuracy: 1e-4 * b, "\(name) losses \(losses) vs \(f.fullLosses)") }
        }
    }

    func testPrefillAndDecodeMatchTrainingLogits() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let T = f.T
            let seq = Array(f.tokens[0..<T])
            let full = try model.logits(tokens: seq, batch: 1, length: T)
            let cache = KVCache(config: f.config, capacity: T)
            let split = 5
            let last = try model.prefill(Array(seq[0..<split]), cache: cache)
            XCTAssertLessThan(maxAbsDiff(last, Array(full[((split - 1) * f.V)..<(split * f.V)])), 1e-4, "\(name) prefill")
            for t in split..<T {
                let l = try model.decodeStep(seq[t], cache: cache)
                XCTAssertLessThan(maxAbsDiff(l, Array(full[(t * f.V)..<((t + 1) * f.V)])), 1e-4, "\(name) decode \(t)")
            }
        }
    }

    func testWholeModelFiniteDifferences() throws {
        for (arch, tied) in [(Architecture.llama, false), (.qwen2, true)] {
            let cfg = ModelConfig(architecture: arch, vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2,
                                  numHeads: 4, numKVHeads: 2, maxPositions: 32, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: tied)
            let p = ParameterTensors(config: cfg)
            var rng = TestRNG(42)
            for (n, v) in p.named { v.copy(from: n.hasSuffix("norm") ? rng.array(v.count, scale: 0.2).map { $0 + 1 } : rng.array(v.count, scale: 0.3)) }
            let model = Transformer(params: p)
            model.enableFullGradients()
            let (B, T) = (2, 6)
            let tokens = (0..<(B * T)).map { Int32(($0 * 13 + 5) % 64) }, targets = (0..<(B * T)).map { Int32(($0 * 7 + 1) % 64) }
            let mask: [Float] = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
            try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, length: T, needGradients: true)
            model.backward()
            for (n, v) in p.named {
                let g = model.grads!.named.first { $0.0 == n }!.1.toArray()
                let x0 = v.toArray()
                checkGradient("\(arch) \(n)", x: x0, analytic: g, dOut: [1], eps: 1e-2, rtol: 3e-2, atol: 1e-3, samples: 12) { x in
                    v.copy(from: x)
                    defer { v.copy(from: x0) }
                    return [try! model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, length: T)]
                }
            }
        }
    }

    func testHalfPrecisionDecodeStaysCloseToFP32() throws {
        let cfg = ModelConfig(architecture: .llama, vocabSize: 96, hiddenSize: 64, intermediateSize: 96, numLayers: 2,
                              numHeads: 4, numKVHeads: 2, maxPositions: 32, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let p = ParameterTensors(config: cfg)
        var rng = TestRNG(77)
        for (n, v) in p.named { v.copy(from: n.hasSuffix("norm") ? rng.array(v.count, scale: 0.2).map { $0 + 1 } : rng.array(v.count, scale: 0.3)) }
        let model = Transformer(params: p)
        let prompt: [Int32] = [3, 17, 40, 8, 91]
        var outs: [[Float]] = []
        for half in [false, true] {
            model.halfPrecisionDecode = half
            let cache = KVCache(config: cfg, capacity: 16)
            var logits = try model.prefill(prompt, cache: cache)
            var all: [Float] = []
            for t in 0..<6 {
                logits = try model.decodeStep(Int32((t * 29) % 96), cache: cache)
                all += logits
            }
            outs.append(all)
        }
        let scale = outs[0].map(abs).max()!
        XCTAssertLessThan(maxAbsDiff(outs[0], outs[1]), 5e-3 * scale)
        XCTAssertGreaterThan(maxAbsDiff(outs[0], outs[1]), 0, "fp16 path was not taken")
    }
}
