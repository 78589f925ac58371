// Per-sample losses (Train/SampleLosses.swift) against references: each chat's loss equals a forward of that
// chat alone; the token-weighted mean equals Trainer.evaluate on the same chats; cut chats score what training
// sees; IFD is the ratio of the two losses; cancellation throws with nothing half-done.
import XCTest
import SFT

final class SampleLossesTests: XCTestCase {
    /// One chat alone through Transformer.forward: the reference for its row in a batch.
    func single(_ m: Transformer, _ c: RenderedChat, maxSeqLen: Int = 64) throws -> (Double, Int) {
        let plan = BatchPlan(chats: [c], batchSize: 1, maxSeqLen: maxSeqLen, seed: 0)
        let b = plan.batch([0])
        let loss = try m.forward(tokens: b.inputs, targets: b.targets, mask: b.mask.map { $0 ? 1 : 0 }, batch: 1, length: b.seqLen)
        return (Double(loss), b.trainedTokens)
    }

    func testEachSampleEqualsItsOwnForward() throws {
        let m = TinyTraining.model(), chats = TinyTraining.chats(11)
        var calls: [Int] = []
        let batched = try SampleLosses.compute(transformer: m, chats: chats, batchSize: 4, maxSeqLen: 64) { done, total in
            XCTAssertEqual(total, 11); calls.append(done)
        }
        XCTAssertEqual(calls, [4, 8, 11])
        for (i, c) in chats.enumerated() {
            let (loss, n) = try single(m, c)
            XCTAssertEqual(batched[i].tokens, n)
            XCTAssertEqual(batched[i].loss, loss, accuracy: 1e-5 * max(1, loss), "sample \(i)")
            XCTAssertEqual(batched[i].perplexity, exp(loss), accuracy: 1e-4 * exp(loss))
        }
    }

    func testWeightedMeanEqualsEvaluate() throws {
        let m = TinyTraining.model(), chats = TinyTraining.chats(9, seed: 5)
        let per = try SampleLosses.compute(transformer: m, chats: chats, batchSize: 3, maxSeqLen: 64)
        let ref = try Trainer.evaluate(transformer: m, chats: chats, batchSize: 3, maxSeqLen: 64)
        let tokens = per.reduce(0) { $0 + $1.tokens }
        XCTAssertEqual(tokens, ref.tokens)
        XCTAssertEqual(per.reduce(0.0) { $0 + $1.loss * Double($1.tokens) } / Double(tokens), ref.loss, accuracy: 1e-5)
    }

    func testCutChatsAndUntrainedChats() throws {
        let m = TinyTraining.model()
        var chats = TinyTraining.chats(3)
        chats.append(RenderedChat(tokens: [1, 2, 3, 4], trained: [false, false, false, false]))
        let per = try SampleLosses.compute(transformer: m, chats: chats, batchSize: 2, maxSeqLen: 6)
        for i in 0..<3 {
            let (loss, n) = try single(m, chats[i], maxSeqLen: 6)
            XCTAssertEqual(per[i].tokens, n)
            if n > 0 { XCTAssertEqual(per[i].loss, loss, accuracy: 1e-5) } else { XCTAssertTrue(per[i].loss.isNaN) }
        }
        XCTAssertEqual(per[3].tokens, 0)
        XCTAssertTrue(per[3].loss.isNaN)
    }

    func testIFDIsTheRatioOfTheTwoLosses() throws {
        let m = TinyTraining.model(), full = TinyTraining.chats(4)
        // The answer alone: the trained tokens of each chat without its prompt.
        let alone: [RenderedChat?] = full.enumerated().map { i, c in
            i == 2 ? nil : RenderedChat(tokens: c.tokens.enumerated().filter { c.trained[$0.offset] }.map(\.element),
                                         trained: c.trained.filter { $0 })
        }
        let s = try SampleLosses.scores(transformer: m, withInstruction: full, answerOnly: alone, batchSize: 2, maxSeqLen: 64)
        let a = try SampleLosses.compute(transformer: m, chats: full, batchSize: 2, maxSeqLen: 64)
        for i in 0..<4 {
            XCTAssertEqual(s[i].loss, a[i].loss, accuracy: 1e-5)
            if i == 2 { XCTAssertNil(s[i].ifd); continue }
            let (loneLoss, _) = try single(m, alone[i]!)
            XCTAssertEqual(s[i].answerOnlyLoss!, loneLoss, accuracy: 1e-5)
            XCTAssertEqual(s[i].ifd!, a[i].loss / loneLoss, accuracy: 1e-5)
        }
    }

    func testCancellationThrows() throws {
        let m = TinyTraining.model()
        Cancellation.request()
        defer { Cancellation.reset() }
        XCTAssertThrowsError(try SampleLosses.compute(transformer: m, chats: TinyTraining.chats(4), batchSize: 2, maxSeqLen: 64)) {
            XCTAssertEqual(($0 as? SFTError)?.message, "scoring cancelled")
        }
    }
}
