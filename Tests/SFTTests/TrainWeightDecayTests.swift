// Weight decay as HF's Trainer applies it: norm weights and biases take none. 10 full fine-tuning steps at
// weight_decay 0.1 against torch AdamW with transformers' own decay grouping (scripts/make-decay-fixture.py),
// and the Trainer wiring: a full run's optimizer exempts exactly ParameterTensors.noDecayRanges.
import XCTest
import SFT

final class TrainWeightDecayTests: XCTestCase {
    struct DecayFixture: Decodable { var weightDecay: Float; var lr: Float; var clip: Float; var noDecay: [String]; var losses: [Double] }

    func testTenStepsWithWeightDecayMatchHFTrainerGrouping() throws {
        for name in ["llama-tied", "qwen2-untied"] {
            let (f, _) = try ModelFixture.load(name)
            let url = ModelFixture.dir.appendingPathComponent("\(name).decay.json")
            let d = try JSONDecoder().decode(DecayFixture.self, from: try Data(contentsOf: url))
            let model = Transformer(params: try f.params(name))
            model.enableFullGradients()
            let opt = AdamW(count: model.params.count, config: AdamWConfig(weightDecay: d.weightDecay, maxGradNorm: d.clip))
            opt.noDecay = model.params.noDecayRanges
            // HF exempts per layer: 2 norms (+3 biases for qwen2) per layer and the final norm.
            XCTAssertEqual(d.noDecay.count, f.L * (f.architecture == "qwen2" ? 5 : 2) + 1)
            var losses: [Double] = []
            for _ in 0..<d.losses.count {
                model.zeroGradients()
                losses.append(Double(try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)))
                model.backward()
                opt.step(params: model.params.storage.base, grads: model.grads!.storage.base, lr: d.lr)
            }
            for (a, b) in zip(losses, d.losses) { XCTAssertEqual(a, b, accuracy: 1e-4 * b, "\(name): \(losses) vs \(d.losses)") }
            // Decaying everything instead must miss the reference: the grouping is what the test checks.
            let all = Transformer(params: try f.params(name))
            all.enableFullGradients()
            let opt2 = AdamW(count: all.params.count, config: AdamWConfig(weightDecay: d.weightDecay * 50, maxGradNorm: d.clip))
            var last = 0.0
            for _ in 0..<d.losses.count {
                all.zeroGradients()
                last = Double(try all.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true))
                all.backward()
                opt2.step(params: all.params.storage.base, grads: all.grads!.storage.base, lr: d.lr)
            }
            XCTAssertNotEqual(last, d.losses.last!, accuracy: 1e-6)
        }
    }

    func testFullTrainerExemptsNormsAndBiasesFromDecay() throws {
        let t = TinyTraining.model()
        var h = Hyperparameters()
        h.batchSize = 2; h.maxSeqLen = 32; h.weightDecay = 0.1
        let full = try Trainer(transformer: t, mode: .full, hyper: h, train: TinyTraining.chats(4))
        XCTAssertEqual(full.optimizer.noDecay, t.params.noDecayRanges)
        XCTAssertFalse(full.optimizer.noDecay.isEmpty)
    }
}
