// Trainer on a tiny random-weight model and synthetic rendered chats: the loss falls, grad-accum equals one big
// batch, a non-finite step is skipped with the weights untouched, two runs of 5 steps equal one of 10 bit for bit,
// and restoring a checkpoint puts back the exact weights.
import XCTest
import SFT

final class TrainerTests: XCTestCase {
    static let config = TinyTraining.config
    func tinyModel() -> Transformer { TinyTraining.model() }
    func chats(_ n: Int, seed: UInt64 = 3) -> [RenderedChat] { TinyTraining.chats(n, seed: seed) }

    func hyper(batch: Int = 4, accum: Int = 1, lr: Double = 1e-2, epochs: Int = 10) -> Hyperparameters {
        var h = Hyperparameters()
        h.batchSize = batch; h.gradAccum = accum; h.learningRate = lr; h.epochs = epochs
        h.maxSeqLen = 32; h.warmupRatio = 0; h.loraRank = 4; h.loraAlpha = 8
        return h
    }

    func loraTrainer(_ h: Hyperparameters, data: [RenderedChat]) throws -> Trainer {
        let t = tinyModel()
        t.attach(lora: try LoRA(model: Self.config, config: LoRAConfig(rank: h.loraRank, alpha: Float(h.loraAlpha), targets: [.q, .k, .v, .o], seed: 1)))
        return try Trainer(transformer: t, mode: .lora, hyper: h, train: data, valid: chats(4, seed: 99))
    }

    func testLossFallsOver30Steps() throws {
        for mode in [TrainingMode.lora, .full] {
            let data = chats(8)
            let tr: Trainer
            if mode == .lora { tr = try loraTrainer(hyper(epochs: 15), data: data) }
            else { tr = try Trainer(transformer: tinyModel(), mode: .full, hyper: hyper(lr: 3e-3, epochs: 15), train: data) }
            let first = try tr.evaluate(data).loss
            var losses: [Double] = []
            for _ in 0..<30 { let r = try tr.step(); XCTAssertFalse(r.skipped); losses.append(r.loss) }
            let last = try tr.evaluate(data).loss
            XCTAssertLessThan(last, first * 0.6, "\(mode): \(first) -> \(last), steps \(losses)")
            XCTAssertEqual(tr.position.step, 30)
            XCTAssertEqual(tr.position.epoch, 15)   // 8 chats, batch 4: 2 steps per epoch
        }
    }

    func testGradAccumEqualsOneBigBatch() throws {
        let data = chats(8)
        let big = try loraTrainer(hyper(batch: 8, accum: 1), data: data)
        let small = try loraTrainer(hyper(batch: 4, accum: 2), data: data)
        XCTAssertEqual(big.stepsPerEpoch, 1)
        XCTAssertEqual(small.stepsPerEpoch, 1)
        // B's are zero at init, so A would get no gradient: fill the adapters so every gradient is non-zero.
        for tr in [big, small] {
            let p = tr.transformer.lora!.params
            var rng = TestRNG(4)
            for i in 0..<p.count { p.base[i] = rng.uniform() * 0.1 }
        }
        let gb = try big.gradients(big.nextBatches()), gs = try small.gradients(small.nextBatches())
        XCTAssertEqual(small.nextBatches().count, 2)
        XCTAssertEqual(gb.trained, gs.trained)
        XCTAssertEqual(gb.loss, gs.loss, accuracy: 1e-5 * gb.loss)
        let a = Array(big.transformer.lora!.grads.pointer), b = Array(small.transformer.lora!.grads.pointer)
        let scale = a.map { abs($0) }.max()!
        XCTAssertGreaterThan(scale, 0)
        for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 1e-5 * scale, "grad \(i)") }
        let rb = try big.step(), rs = try small.step()
        XCTAssertEqual(rb.loss, rs.loss, accuracy: 1e-5 * rb.loss)
        XCTAssertEqual(rb.gradNorm, rs.gradNorm, accuracy: 1e-5 * rb.gradNorm)
    }

    func testNonFiniteStepIsSkippedAndWeightsStay() throws {
        let tr = try loraTrainer(hyper(), data: chats(8))
        _ = try tr.step()
        let before = Array(tr.transformer.lora!.params.pointer), mBefore = Array(tr.optimizer.m.pointer)
        let norm = tr.transformer.params.finalNorm
        let saved = norm.ptr[0]
        norm.ptr[0] = .infinity   // the forward now produces NaN
        let r = try tr.step()
        XCTAssertTrue(r.skipped)
        XCTAssertFalse(r.loss.isFinite)
        XCTAssertEqual(Array(tr.transformer.lora!.params.pointer), before)
        XCTAssertEqual(Array(tr.optimizer.m.pointer), mBefore)
        XCTAssertEqual(tr.optimizer.steps, 1)
        XCTAssertEqual(tr.position.step, 2)
        norm.ptr[0] = saved
        let next = try tr.step()
        XCTAssertFalse(next.skipped)
        XCTAssertTrue(next.loss.isFinite)
    }

    func testTwoRunsOfFiveEqualOneOfTen() throws {
        let data = chats(10)
        var h = hyper(batch: 3, accum: 2, epochs: 4); h.warmupRatio = 0.2; h.loraDropout = 0
        let one = try loraTrainer(h, data: data)
        let ten = try (0..<10).map { _ in try one.step() }
        let two = try loraTrainer(h, data: data)
        var split = try (0..<5).map { _ in try two.step() }
        try two.update(h)   // what `train` does between calls
        split += try (0..<5).map { _ in try two.step() }
        XCTAssertEqual(ten.map(\.loss), split.map(\.loss))
        XCTAssertEqual(ten.map(\.lr), split.map(\.lr))
        XCTAssertEqual(Array(one.transformer.lora!.params.pointer), Array(two.transformer.lora!.params.pointer))
        XCTAssertEqual(one.totalSteps, 4 * 2)   // 10 chats / 3 = 4 batches, 2 per step
        XCTAssertEqual(ten[0].lr, h.learningRate / 2, accuracy: 1e-12)   // warmup: 2 steps
    }

    func testCheckpointRestoresExactState() throws {
        for mode in [TrainingMode.lora, .full] {
            let data = chats(8)
            let tr = mode == .lora ? try loraTrainer(hyper(), data: data)
                                   : try Trainer(transformer: tinyModel(), mode: .full, hyper: hyper(lr: 3e-3), train: data, valid: chats(3, seed: 5))
            for _ in 0..<3 { _ = try tr.step() }
            let v = try tr.evaluateAndRecord()
            XCTAssertTrue(v.loss.isFinite)
            let run = TrainingRun(trainer: tr)
            try run.saveCheckpoint(validLoss: v.loss, answers: ["a"], rng: nil)
            let weights = mode == .lora ? Array(tr.transformer.lora!.params.pointer) : Array(tr.transformer.params.storage.pointer)
            let next = try (0..<3).map { _ in try tr.step() }
            try run.useCheckpoint(1)
            let now = mode == .lora ? Array(tr.transformer.lora!.params.pointer) : Array(tr.transformer.params.storage.pointer)
            XCTAssertEqual(now, weights, "\(mode)")
            XCTAssertEqual(tr.position.step, 3)
            XCTAssertEqual(tr.metrics.steps.count, 3)
            XCTAssertEqual(run.bestCheckpoint, 1)
            XCTAssertEqual(run.liveCheckpoint, 1)
            let again = try (0..<3).map { _ in try tr.step() }
            XCTAssertEqual(again.map(\.loss), next.map(\.loss), "\(mode): training from the checkpoint repeats itself")
            XCTAssertThrowsError(try run.useCheckpoint(5))
        }
    }

    func testUpdateSaysWhatAppliesAndWhatNeedsRestart() throws {
        let tr = try loraTrainer(hyper(), data: chats(8))
        var h = tr.hyper
        h.learningRate = 5e-3; h.batchSize = 2
        let r = try tr.update(h)
        XCTAssertEqual(r.applied, ["learning-rate 0.01 -> 0.005"])
        XCTAssertEqual(r.needRestart, ["batch-size 4 -> 2"])
        XCTAssertEqual(tr.hyper.learningRate, 5e-3)
        XCTAssertEqual(tr.hyper.batchSize, 4)
    }
}
