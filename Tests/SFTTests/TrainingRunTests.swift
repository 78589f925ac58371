// The run lifecycle: `undo` takes train commands back bit for bit (weights, AdamW moments and steps, position,
// metrics, dropout counter, checkpoints), in memory and through the files `session save` writes; early stopping
// follows HF's EarlyStoppingCallback on a scripted validation curve and makes the best checkpoint live.
import XCTest
import SFT

final class TrainingRunTests: XCTestCase {
    func hyper() -> Hyperparameters {
        var h = Hyperparameters()
        h.batchSize = 3; h.learningRate = 1e-2; h.epochs = 4; h.maxSeqLen = 32; h.warmupRatio = 0.2
        h.loraRank = 4; h.loraAlpha = 8; h.loraDropout = 0.1; h.weightDecay = 0.01
        return h
    }

    func run(_ mode: TrainingMode, spill: String? = nil, valid: [RenderedChat] = []) throws -> TrainingRun {
        let t = TinyTraining.model(), h = hyper()
        if mode == .lora {
            t.attach(lora: try LoRA(model: TinyTraining.config, config: LoRAConfig(rank: h.loraRank, alpha: Float(h.loraAlpha),
                                                                                  dropout: Float(h.loraDropout), targets: [.q, .v], seed: 1)))
        }
        let tr = try Trainer(transformer: t, mode: mode, hyper: h, train: TinyTraining.chats(8), valid: valid)
        tr.dataName = "toy"
        return TrainingRun(trainer: tr, spillDirectory: spill)
    }

    /// Changes live hyperparameters the way `set` + `train` does.
    func set(_ r: TrainingRun, _ f: (inout Hyperparameters) -> Void) throws {
        var h = r.trainer.hyper
        f(&h)
        try r.trainer.update(h)
    }

    func weights(_ r: TrainingRun) -> [Float] {
        r.mode == .lora ? Array(r.trainer.transformer.lora!.params.pointer) : Array(r.trainer.transformer.params.storage.pointer)
    }

    func burst(_ r: TrainingRun, _ n: Int, tag: Int) throws -> [Double] {
        try r.beginCommand("train \(n)", tag: tag, rng: RNG(seed: UInt64(tag)))
        _ = try r.train(steps: n, seconds: nil, rng: nil)
        return r.trainer.metrics.steps.suffix(n).map(\.loss)
    }

    func testUndoThenSameBurstIsBitExact() throws {
        let spill = NSTemporaryDirectory() + "sft-spill-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: spill) }
        for mode in [TrainingMode.lora, .full] {
            let straight = try run(mode)
            _ = try burst(straight, 3, tag: 1)
            let want = try burst(straight, 4, tag: 2)

            let r = try run(mode, spill: mode == .full ? spill : nil)
            _ = try burst(r, 3, tag: 1)
            let before = weights(r)
            _ = try burst(r, 4, tag: 2)
            XCTAssertNotEqual(weights(r), before)
            let (undone, rng) = try r.undo(1)
            XCTAssertEqual(undone.map(\.label), ["train 4"])
            XCTAssertEqual(rng, RNG(seed: 2), "the RNG from before the command comes back")
            XCTAssertEqual(weights(r), before, "\(mode): weights after undo")
            XCTAssertEqual(r.trainer.position.step, 3)
            XCTAssertEqual(r.trainer.metrics.steps.count, 3)
            let again = try burst(r, 4, tag: 3)
            XCTAssertEqual(again, want, "\(mode): the same burst after undo gives the same losses")
            XCTAssertEqual(weights(r), weights(straight), "\(mode): and the same weights")
            XCTAssertEqual(Array(r.trainer.optimizer.m.pointer), Array(straight.trainer.optimizer.m.pointer))
            XCTAssertEqual(Array(r.trainer.optimizer.v.pointer), Array(straight.trainer.optimizer.v.pointer))
            XCTAssertEqual(r.trainer.optimizer.steps, straight.trainer.optimizer.steps)
            XCTAssertEqual(r.trainer.transformer.dropoutStep, straight.trainer.transformer.dropoutStep)
            if mode == .full {
                let files = try FileManager.default.contentsOfDirectory(atPath: spill)
                XCTAssertEqual(files.count, r.undoPoints.count, "full snapshots spill to files, one per live undo point")
            }
            XCTAssertThrowsError(try r.undo(3)) { XCTAssertTrue("\($0)".contains("only 2 train commands can be undone")) }
            _ = try r.undo(2)
            XCTAssertEqual(r.trainer.position.step, 0)
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: spill))?.count ?? 0, 0, "spilled files are removed when unreachable")
    }

    func testUndoDropsTheCheckpointsTheCommandMade() throws {
        let r = try run(.lora)
        try set(r) { $0.saveSteps = 2 }
        _ = try burst(r, 2, tag: 1)
        _ = try burst(r, 4, tag: 2)
        XCTAssertEqual(r.checkpoints.map(\.step), [2, 4, 6])
        _ = try r.undo(1)
        XCTAssertEqual(r.checkpoints.map(\.step), [2])
        // bug 16: a checkpoint after `checkpoint use` and more training has a train loss
        try set(r) { $0.saveSteps = 1 }
        _ = try burst(r, 1, tag: 3)
        try r.useCheckpoint(1)
        _ = try burst(r, 1, tag: 4)
        XCTAssertNotNil(r.checkpoints.last?.trainLoss)
    }

    func testUndoSurvivesFilesLikeSessionSaveAndLoad() throws {
        for mode in [TrainingMode.lora, .full] {
            let straight = try run(mode)
            _ = try burst(straight, 3, tag: 1)
            let want = try burst(straight, 2, tag: 2)

            let r = try run(mode)
            try set(r) { $0.saveSteps = 3 }
            _ = try burst(r, 3, tag: 1)
            _ = try burst(r, 3, tag: 2)
            let dir = NSTemporaryDirectory() + "sft-run-\(mode)-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try r.write(directory: dir, rng: RNG(seed: 5))

            // a fresh process: the base model, the state, the history
            let state = try TrainerState.read(json: dir + "/" + TrainerState.jsonFile)
            let t = try Trainer.resume(state, buffers: dir + "/" + TrainerState.buffersFile, transformer: TinyTraining.model(), train: TinyTraining.chats(8))
            let loaded = TrainingRun(trainer: t, base: Array(TinyTraining.model().params.storage.pointer))
            try loaded.readHistory(directory: dir)
            XCTAssertEqual(loaded.checkpoints.map(\.step), [3, 6])
            XCTAssertEqual(loaded.undoPoints.map(\.label), ["train 3", "train 3"])
            _ = try loaded.undo(1)
            XCTAssertEqual(loaded.checkpoints.map(\.step), [3])
            try set(loaded) { $0.saveSteps = 0 }
            let again = try burst(loaded, 2, tag: 9)
            XCTAssertEqual(again, want, "\(mode): undo after a reload, then the same steps")
            XCTAssertEqual(weights(loaded), weights(straight))
        }
    }

    func testEarlyStoppingStateFollowsHFSemantics() {
        var s = EarlyStopState()
        // delta 0.05: 0.97 beats 1.0 by less than delta (counter 1) but is the new best; 0.95 is not 0.05 below 0.97.
        XCTAssertTrue(s.record(loss: 1.0, step: 1, delta: 0.05))
        XCTAssertFalse(s.record(loss: 0.97, step: 2, delta: 0.05))
        XCTAssertEqual(s.best, 0.97); XCTAssertEqual(s.bestStep, 2); XCTAssertEqual(s.waited, 1)
        XCTAssertFalse(s.shouldStop(patience: 2))
        XCTAssertFalse(s.record(loss: 0.95, step: 3, delta: 0.05))
        XCTAssertTrue(s.shouldStop(patience: 2))
        XCTAssertFalse(s.shouldStop(patience: 0), "patience 0 is off")
        XCTAssertTrue(s.record(loss: 0.80, step: 4, delta: 0.05))
        XCTAssertEqual(s.waited, 0)
    }

    func testEarlyStopMakesTheBestCheckpointLive() throws {
        let r = try run(.lora)
        try set(r) { $0.evalSteps = 1 }
        try set(r) { $0.earlyStop = 2 }
        try set(r) { $0.earlyStopDelta = 0.01 }
        var curve = [1.0, 0.8, 0.85, 0.795, 0.9, 0.5][...]   // 0.795 is not 0.01 below 0.8: no improvement
        r.evaluate = { EvalResult(loss: curve.popFirst()!, tokens: 1) }
        var evals: [Int] = []
        let out = try r.train(steps: 10, seconds: nil, rng: nil) { e in if case .evaluation(let s, _, _) = e { evals.append(s) } }
        XCTAssertEqual(evals, [1, 2, 3, 4])
        XCTAssertEqual(out.steps, 4)
        XCTAssertEqual(out.stop, .earlyStop(best: 4, waited: 2), "the best loss (0.795 at step 4) is HF's best_metric")
        XCTAssertEqual(r.checkpoints.count, 4, "every evaluation keeps a checkpoint while early stopping is on")
        XCTAssertEqual(r.trainer.position.step, 4)
        XCTAssertEqual(Array(r.trainer.transformer.lora!.params.pointer), try r.checkpoints[3].snapshot.buffers.weights())

        // patience reached with the best earlier: its weights and step become live
        let r2 = try run(.lora)
        try set(r2) { $0.evalSteps = 1 }; try set(r2) { $0.earlyStop = 2 }
        var c2 = [1.0, 0.7, 0.9, 0.95][...]
        r2.evaluate = { EvalResult(loss: c2.popFirst()!, tokens: 1) }
        let o2 = try r2.train(steps: 10, seconds: nil, rng: nil)
        XCTAssertEqual(o2.stop, .earlyStop(best: 2, waited: 2))
        XCTAssertEqual(r2.trainer.position.step, 2)
        XCTAssertEqual(r2.liveCheckpoint, 2)
        XCTAssertEqual(Array(r2.trainer.transformer.lora!.params.pointer), try r2.checkpoints[1].snapshot.buffers.weights())
    }

    func testEarlyStoppingWithoutValidationIsRefused() throws {
        let r = try run(.lora)
        try set(r) { $0.earlyStop = 2 }
        try set(r) { $0.evalSteps = 1 }
        XCTAssertThrowsError(try r.train(steps: 2, seconds: nil, rng: nil)) { XCTAssertTrue("\($0)".contains("needs a validation set")) }
    }

    func testTrainForATimeAloneRunsUntilTheTimeIsUp() throws {
        let r = try run(.lora)
        let out = try r.train(steps: nil, seconds: 0.5, rng: nil)
        XCTAssertEqual(out.stop, .timeUp)
        XCTAssertGreaterThan(out.steps, 0)
    }
}
