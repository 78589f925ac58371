// Packing: a packed batch holds every trained target of the padded one exactly once, each conversation's
// tokens contiguous and in order within a row; and the model gives the same per-conversation losses and the
// same gradients (full fine-tuning and LoRA) for the packed batch as for the padded one (within 1e-5).
import XCTest
import SFT

final class PackingTests: XCTestCase {
    /// 7 chats of 7 to 14 tokens, max-seq-len 24: several share a row, and a row has room left over.
    let chats = TinyTraining.chats(7)
    var plan: BatchPlan { BatchPlan(chats: chats, batchSize: 7, maxSeqLen: 24, seed: 1) }

    /// Where chat i sits in a batch: (row, first position), found by its tokens.
    func place(_ b: Batch, _ i: Int) -> (row: Int, start: Int) {
        let n = chats[i].tokens.count - 1
        for r in 0..<b.batchSize {
            for s in b.segments?[r] ?? [0] where s + n <= b.seqLen
                && Array(b.inputs[(r * b.seqLen + s)..<(r * b.seqLen + s + n)]) == Array(chats[i].tokens[0..<n]) { return (r, s) }
        }
        XCTFail("chat \(i) not in the batch"); return (0, 0)
    }

    func testPackedBatchHoldsEveryChatOnce() {
        let padded = plan.batch(Array(0..<7)), packed = plan.packedBatch(Array(0..<7))
        XCTAssertLessThan(packed.batchSize, padded.batchSize)
        XCTAssertLessThanOrEqual(packed.seqLen, 23)
        XCTAssertLessThan(packed.mask.count, padded.mask.count, "fewer positions run")
        XCTAssertEqual(packed.trainedTokens, padded.trainedTokens)
        XCTAssertEqual(packed.segments?.count, packed.batchSize)
        XCTAssertEqual(packed.segments?.reduce(0) { $0 + $1.count }, 7)
        for i in 0..<7 {
            let (r, s) = place(packed, i), n = chats[i].tokens.count - 1
            for t in 0..<n {
                XCTAssertEqual(packed.targets[r * packed.seqLen + s + t], chats[i].tokens[t + 1])
                XCTAssertEqual(packed.mask[r * packed.seqLen + s + t], chats[i].trained[t + 1])
            }
        }
    }

    /// Loss, per-conversation losses and gradients of one batch layout.
    func run(_ t: Transformer, _ b: Batch) throws -> (loss: Float, perChat: [Double], grads: [Float]) {
        t.zeroGradients()
        let loss = try t.forward(tokens: b.inputs, targets: b.targets, mask: b.mask.map { $0 ? 1 : 0 }, batch: b.batchSize,
                                 length: b.seqLen, needGradients: true, segments: b.segments)
        let losses = t.acts!.losses.ptr
        let perChat = (0..<7).map { i -> Double in
            let (r, s) = place(b, i)
            return (0..<(chats[i].tokens.count - 1)).reduce(0.0) { $0 + Double(losses[r * b.seqLen + s + $1]) }
        }
        t.backward()
        return (loss, perChat, Array(t.trainable!.grads.pointer))
    }

    func check(_ t: Transformer, _ what: String) throws {
        let padded = try run(t, plan.batch(Array(0..<7))), packed = try run(t, plan.packedBatch(Array(0..<7)))
        XCTAssertEqual(packed.loss, padded.loss, accuracy: 1e-5, what)
        for i in 0..<7 { XCTAssertEqual(packed.perChat[i], padded.perChat[i], accuracy: 1e-5, "\(what) chat \(i)") }
        let scale = padded.grads.map { abs($0) }.max()!
        XCTAssertGreaterThan(scale, 0)
        var worst: Float = 0
        for i in padded.grads.indices { worst = max(worst, abs(packed.grads[i] - padded.grads[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-5 * max(1, scale), "\(what): gradients differ by \(worst)")
    }

    func testPackedEqualsPaddedFullFineTuning() throws {
        let t = TinyTraining.model()
        t.enableFullGradients()
        try check(t, "full")
    }

    func testPackedEqualsPaddedLoRA() throws {
        let t = TinyTraining.model()
        t.attach(lora: try LoRA(model: TinyTraining.config, config: LoRAConfig(rank: 4, alpha: 8, targets: [.q, .k, .v, .o, .gate, .up, .down], seed: 1)))
        let p = t.lora!.params
        var rng = TestRNG(4)
        for i in 0..<p.count { p.base[i] = rng.uniform() * 0.1 }   // B != 0, so A gets gradients too
        try check(t, "lora")
    }

    func testTrainerStepIsTheSamePackedOrNot() throws {
        var h = Hyperparameters()
        h.batchSize = 7; h.maxSeqLen = 24; h.learningRate = 1e-2; h.warmupRatio = 0
        var losses: [Double] = [], shapes: [StepShape] = []
        for packing in [false, true] {
            h.packing = packing
            let tr = try Trainer(transformer: TinyTraining.model(), mode: .full, hyper: h, train: chats)
            let b = tr.nextBatches()
            XCTAssertEqual(b[0].segments != nil, packing)
            losses.append(contentsOf: try (0..<3).map { _ in try tr.step().loss })
            shapes.append(tr.lastStepShape)
        }
        // What the status line shows: the same chats and trained tokens, fewer rows and positions when packed.
        XCTAssertEqual(shapes[0].conversations, shapes[1].conversations)
        XCTAssertEqual(shapes[0].trained, shapes[1].trained)
        XCTAssertEqual(shapes[0].rows, shapes[0].conversations)
        XCTAssertLessThan(shapes[1].rows, shapes[1].conversations)
        XCTAssertLessThanOrEqual(shapes[1].positions, shapes[0].positions)
        for i in 0..<3 { XCTAssertEqual(losses[3 + i], losses[i], accuracy: 1e-5, "step \(i + 1)") }
    }

    func testBadLayoutIsAnError() {
        let t = TinyTraining.model()
        XCTAssertThrowsError(try t.forward(tokens: [1, 2, 3, 4], targets: [2, 3, 4, 5], mask: [1, 1, 1, 1], batch: 1, length: 4,
                                           segments: [[0, 5]]))
        XCTAssertThrowsError(try t.forward(tokens: [1, 2, 3, 4], targets: [2, 3, 4, 5], mask: [1, 1, 1, 1], batch: 1, length: 4,
                                           segments: [[1]]))
    }
}
