// LoRA against PEFT (10 AdamW steps of r=4 on q,k,v,o from the same A matrices), finite differences of the
// adapter gradients with dropout on every target, the enabled flag, and merging into the base weights.
import XCTest
import SFT

final class LoRATests: XCTestCase {
    func testTenStepsMatchPEFT() throws {
        for name in ["llama-tied", "qwen2-untied"] {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let lora = try f.qkvoLoRA(name)
            model.attach(lora: lora)
            XCTAssertNil(model.grads, "frozen base takes no gradient memory")
            let losses = try adamWStepLosses(model, lora: lora, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                             steps: f.loraLosses.count, lr: f.loraLR, weightDecay: f.weightDecay, clip: f.clip)
            for (x, y) in zip(losses, f.loraLosses) { XCTAssertEqual(x, y, accuracy: 1e-4 * y, "\(name) \(losses) vs \(f.loraLosses)") }
        }
    }

    func tiny(_ arch: Architecture) -> ParameterTensors {
        let cfg = ModelConfig(architecture: arch, vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2,
                              numHeads: 4, numKVHeads: 2, maxPositions: 32, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let p = ParameterTensors(config: cfg)
        var rng = TestRNG(9)
        for (n, v) in p.named { v.copy(from: n.hasSuffix("norm") ? rng.array(v.count, scale: 0.2).map { $0 + 1 } : rng.array(v.count, scale: 0.3)) }
        return p
    }

    func testAdapterGradientsFiniteDifferencesWithDropout() throws {
        let p = tiny(.qwen2)
        let model = Transformer(params: p)
        let lora = try LoRA(model: p.config, config: LoRAConfig(rank: 3, alpha: 6, dropout: 0.2, targets: LoRATarget.allCases, seed: 5))
        var rng = TestRNG(10)
        for (n, v) in lora.named where n.hasSuffix("lora_B.weight") { v.copy(from: rng.array(v.count, scale: 0.3)) }
        model.attach(lora: lora)
        let (B, T) = (2, 5)
        let tokens = (0..<(B * T)).map { Int32(($0 * 11 + 3) % 64) }, targets = (0..<(B * T)).map { Int32(($0 * 5 + 2) % 64) }
        let mask: [Float] = [1, 1, 1, 0, 1, 1, 1, 1, 1, 0]
        func loss() -> Float {
            model.dropoutStep = 7   // the same dropout masks every time
            return try! model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, length: T, needGradients: true)
        }
        _ = loss()
        model.backward()
        let grads = Dictionary(uniqueKeysWithValues: zip(lora.named.map(\.0), lora.named.map { n, v in
            View(lora.grads.base + (v.ptr - lora.params.base), v.shape).toArray() }))
        for (n, v) in lora.named {
            let x0 = v.toArray()
            checkGradient(n, x: x0, analytic: grads[n]!, dOut: [1], eps: 1e-2, rtol: 3e-2, atol: 1e-3, samples: 6) { x in
                v.copy(from: x)
                defer { v.copy(from: x0) }
                return [loss()]
            }
        }
    }

    func testEnabledFlagAndMerge() throws {
        let p = tiny(.llama)
        let model = Transformer(params: p)
        let tokens: [Int32] = [1, 5, 9, 13, 2, 7]
        let base = try model.logits(tokens: tokens, batch: 1, length: 6)
        let lora = try LoRA(model: p.config, config: LoRAConfig(rank: 4, alpha: 8, targets: [.q, .v, .gate, .down]))
        var rng = TestRNG(11)
        for (n, v) in lora.named where n.hasSuffix("lora_B.weight") { v.copy(from: rng.array(v.count, scale: 0.3)) }
        model.attach(lora: lora)
        let adapted = try model.logits(tokens: tokens, batch: 1, length: 6)
        XCTAssertGreaterThan(maxAbsDiff(adapted, base), 1e-3)
        lora.enabled = false
        XCTAssertEqual(try model.logits(tokens: tokens, batch: 1, length: 6), base)
        lora.merge(into: p)
        XCTAssertLessThan(maxAbsDiff(try model.logits(tokens: tokens, batch: 1, length: 6), adapted), 1e-4)
        XCTAssertEqual(LoRATarget(name: "gate_proj"), .gate)
        XCTAssertEqual(LoRATarget.down.hfModule, "mlp.down_proj")
    }

    func testConfigValidation() {
        XCTAssertThrowsError(try LoRAConfig(rank: 0, alpha: 8, targets: [.q]).validate())
        XCTAssertThrowsError(try LoRAConfig(rank: 8, alpha: 8, targets: []).validate())
        XCTAssertThrowsError(try LoRAConfig(rank: 8, alpha: 8, dropout: 1, targets: [.q]).validate())
    }
}
