// Training quality in bf16 (operands rounded to bf16, sums and everything else fp32) against fp32, on the tiny
// model with every product sent through oneDNN: a 30-step LoRA run ends within 2% of the fp32 run's loss and
// predicts the same reply tokens; full fine-tuning stays within 1% of fp32 at each of 10 steps.
import XCTest
import SFT

final class BF16TrainingTests: XCTestCase {
    override func setUpWithError() throws {
        // without bf16 kernels `precision bf16` runs fp32 (GEMMTests checks that), and these would compare fp32 to itself
        guard MatMul.bf16Available else { throw XCTSkip("no bf16 kernels here: \(MatMul.bf16Unavailable ?? "")") }
        MatMul.largeProductSide = 1; MatMul.largeProductVolume = 1
    }
    override func tearDown() {
        MatMul.largeProductSide = 32; MatMul.largeProductVolume = 1 << 21; MatMul.precision = .fp32
    }

    func hyper(epochs: Int, lr: Double) -> Hyperparameters {
        var h = Hyperparameters()
        h.batchSize = 4; h.learningRate = lr; h.epochs = epochs; h.maxSeqLen = 32; h.warmupRatio = 0
        h.loraRank = 4; h.loraAlpha = 8
        return h
    }

    /// Step losses of a run, the final loss over the data, and the greedy next token at every trained position.
    func run(_ precision: ComputePrecision, mode: TrainingMode, steps: Int) throws -> (steps: [Double], final: Double, argmax: [Int]) {
        MatMul.precision = precision
        let data = TinyTraining.chats(8)
        let t = TinyTraining.model()
        if mode == .lora {
            t.attach(lora: try LoRA(model: TinyTraining.config, config: LoRAConfig(rank: 4, alpha: 8, targets: [.q, .k, .v, .o], seed: 1)))
        }
        let tr = try Trainer(transformer: t, mode: mode, hyper: hyper(epochs: 15, lr: mode == .lora ? 1e-2 : 3e-3), train: data)
        let losses = try (0..<steps).map { _ in try tr.step().loss }
        let final = try tr.evaluate(data).loss
        let chat = data[0], n = chat.tokens.count - 1
        let logits = try t.logits(tokens: Array(chat.tokens[0..<n]), batch: 1, length: n)
        let V = TinyTraining.config.vocabSize
        let argmax = (0..<n).filter { chat.trained[$0 + 1] }.map { i in (0..<V).max { logits[i * V + $0] < logits[i * V + $1] }! }
        return (losses, final, argmax)
    }

    func testLoRA30StepsWithin2PercentAndSameAnswer() throws {
        let fp = try run(.fp32, mode: .lora, steps: 30), bf = try run(.bf16, mode: .lora, steps: 30)
        XCTAssertLessThan(fp.final, fp.steps[0] * 0.8, "the run learns")
        XCTAssertEqual(bf.final, fp.final, accuracy: 0.02 * fp.final)
        XCTAssertEqual(bf.argmax, fp.argmax)
        XCTAssertNotEqual(bf.steps, fp.steps, "bf16 products should change the numbers at all")
    }

    func testFullFineTuning10StepsWithin1PercentPerStep() throws {
        let fp = try run(.fp32, mode: .full, steps: 10), bf = try run(.bf16, mode: .full, steps: 10)
        for i in 0..<10 { XCTAssertEqual(bf.steps[i], fp.steps[i], accuracy: 0.01 * fp.steps[i], "step \(i + 1)") }
    }
}
