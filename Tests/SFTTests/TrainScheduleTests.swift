// LR schedule, hyperparameter validation, presets and batching: exact expectations.
import XCTest
import SFT

final class TrainScheduleTests: XCTestCase {
    func testWarmupThenCosineToFloor() {
        let s = LRSchedule(peak: 1e-3, totalSteps: 100, warmupRatio: 0.1, minLRRatio: 0.1)
        XCTAssertEqual(s.warmupSteps, 10)
        XCTAssertEqual(s.lr(at: 0), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 9), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 10), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 99), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(s.lr(at: 500), 1e-4, accuracy: 1e-12)
        // Halfway through the decay the cosine sits at the midpoint of peak and floor.
        let mid = s.lr(at: 10 + 89 / 2)
        XCTAssertEqual(mid, 5.5e-4, accuracy: 1e-5)
        for step in 10..<99 { XCTAssertGreaterThanOrEqual(s.lr(at: step), s.lr(at: step + 1)) }
    }

    func testValidationNamesTheRange() {
        var h = Hyperparameters()
        XCTAssertNoThrow(try h.validate())
        h.learningRate = 5
        XCTAssertThrowsError(try h.validate()) { e in
            XCTAssertEqual((e as? SFTError)?.message, "learning-rate must be in (0, 1], got 5.0")
        }
        h = Hyperparameters(); h.epochs = 51
        XCTAssertThrowsError(try h.validate()) { XCTAssertTrue("\($0)".contains("epochs must be in [1, 50], got 51")) }
        h = Hyperparameters(); h.loraTargets = ["q", "lm_head"]
        XCTAssertThrowsError(try h.validate()) { XCTAssertTrue("\($0)".contains("lora-targets")) }
    }

    func testPresetsAndAutoEpochs() throws {
        XCTAssertEqual(Presets.autoEpochs(samples: 100), 15)
        XCTAssertEqual(Presets.autoEpochs(samples: 1000), 10)
        XCTAssertEqual(Presets.autoEpochs(samples: 10000), 2)
        XCTAssertEqual(Presets.autoEpochs(samples: 10), 20)
        XCTAssertEqual(Presets.autoEpochs(samples: 1_000_000), 1)
        var h = Hyperparameters()
        try Presets.named("nl2sql", mode: .lora).apply(&h)
        XCTAssertEqual(h.loraRank, 16)
        XCTAssertNoThrow(try h.validate())
        XCTAssertThrowsError(try Presets.named("nl2xml", mode: .full))
    }

    func testBatchesPadAndMaskOnlyTrainedTokens() {
        let a = RenderedChat(tokens: [1, 2, 3, 4], trained: [false, false, true, true])
        let b = RenderedChat(tokens: [5, 6], trained: [false, true])
        let plan = BatchPlan(chats: [a, b], batchSize: 2, maxSeqLen: 64, seed: 1)
        let batch = plan.batch([0, 1])
        XCTAssertEqual(batch.seqLen, 3)
        XCTAssertEqual(batch.inputs, [1, 2, 3, 5, 0, 0])
        XCTAssertEqual(batch.targets, [2, 3, 4, 6, 0, 0])
        XCTAssertEqual(batch.mask, [false, true, true, true, false, false])
        XCTAssertEqual(batch.trainedTokens, 3)
    }

    func testOrderIsDeterministicAndCoversEverySample() {
        let chats = (0..<50).map { RenderedChat(tokens: Array(repeating: 1, count: 2 + $0 % 7), trained: Array(repeating: true, count: 2 + $0 % 7)) }
        let plan = BatchPlan(chats: chats, batchSize: 4, maxSeqLen: 64, seed: 7)
        XCTAssertEqual(plan.order(epoch: 0), plan.order(epoch: 0))
        XCTAssertNotEqual(plan.order(epoch: 0), plan.order(epoch: 1))
        XCTAssertEqual(plan.order(epoch: 3).flatMap { $0 }.sorted(), Array(0..<50))
        XCTAssertEqual(plan.batchesPerEpoch, 13)
    }
}
