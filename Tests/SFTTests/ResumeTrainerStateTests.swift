// Exact resume through files: 3 steps, TrainerState.write, a fresh Transformer + Trainer.resume from the files,
// 2 more steps gives the same losses (bit for bit) and the same final trainable weights as 5 steps straight.
// LoRA (with dropout, so the dropout counter matters) and full fine-tuning; a different dataset is refused.
import XCTest
import SFT

final class ResumeTrainerStateTests: XCTestCase {
    static let config = TinyTraining.config
    func tinyModel() -> Transformer { TinyTraining.model() }
    func chats(_ n: Int, seed: UInt64 = 3) -> [RenderedChat] { TinyTraining.chats(n, seed: seed) }

    func hyper() -> Hyperparameters {
        var h = Hyperparameters()
        h.batchSize = 3; h.learningRate = 1e-2; h.epochs = 4; h.maxSeqLen = 32; h.warmupRatio = 0.2
        h.loraRank = 4; h.loraAlpha = 8; h.loraDropout = 0.1; h.weightDecay = 0.01
        return h
    }

    func trainer(_ mode: TrainingMode) throws -> Trainer {
        let t = tinyModel(), h = hyper()
        if mode == .lora {
            t.attach(lora: try LoRA(model: Self.config, config: LoRAConfig(rank: h.loraRank, alpha: Float(h.loraAlpha),
                                                                            dropout: Float(h.loraDropout), targets: [.q, .v], seed: 1)))
        }
        let tr = try Trainer(transformer: t, mode: mode, hyper: h, train: chats(8))
        tr.dataName = "toy"
        return tr
    }

    func weights(_ t: Trainer) -> [Float] {
        t.mode == .lora ? Array(t.transformer.lora!.params.pointer) : Array(t.transformer.params.storage.pointer)
    }

    func testResumeFromFilesIsBitExact() throws {
        for mode in [TrainingMode.lora, .full] {
            let straight = try trainer(mode)
            let want = try (0..<5).map { _ in try straight.step().loss }

            let first = try trainer(mode)
            var got = try (0..<3).map { _ in try first.step().loss }
            let dir = NSTemporaryDirectory() + "resume-\(mode)-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let rng = RNG(seed: 77)
            let files = try TrainerState.write(first, rng: rng, directory: dir)

            let state = try TrainerState.read(json: files.json)
            XCTAssertEqual(state.position.step, 3)
            XCTAssertEqual(state.rng, rng)
            XCTAssertEqual(state.dataName, "toy")
            let second = try Trainer.resume(state, buffers: files.buffers, transformer: tinyModel(), train: chats(8))
            XCTAssertEqual(second.position, first.position)
            XCTAssertEqual(second.metrics.steps.map(\.loss), first.metrics.steps.map(\.loss))
            got += try (0..<2).map { _ in try second.step().loss }
            XCTAssertEqual(got.count, want.count)
            for i in want.indices { XCTAssertEqual(Float(got[i]), Float(want[i]), "\(mode) step \(i + 1)"); XCTAssertEqual(got[i], want[i]) }
            XCTAssertEqual(weights(second), weights(straight), "\(mode): final weights")
            XCTAssertEqual(Array(second.optimizer.m.pointer), Array(straight.optimizer.m.pointer))
            XCTAssertEqual(second.position, straight.position)
        }
    }

    func testResumeRefusesOtherData() throws {
        let t = try trainer(.lora)
        _ = try t.step()
        let dir = NSTemporaryDirectory() + "resume-other-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try TrainerState.write(t, directory: dir)
        let state = try TrainerState.read(json: files.json)
        XCTAssertThrowsError(try Trainer.resume(state, buffers: files.buffers, transformer: tinyModel(), train: chats(8, seed: 4))) {
            XCTAssertTrue("\($0)".contains("training data differs"), "\($0)")
        }
    }
}
