// The int8 copy (`quantize int8`): the fast kernels against the naive reference kept beside them (matvec four
// rows at a time with tails, the tiled batched matmul), batched prompt processing against token-by-token
// decoding, and LiveInt8Copy following the live model on the tiny PEFT fixture: after the adapter is turned
// off its answers are exactly a fresh int8 copy of the base, after the adapter's numbers change they change,
// and a command that changed nothing rebuilds nothing. Speed is measured in sft-bench `decode`, not here.
import Foundation
import XCTest
import SFT

final class Int8LiveModelTests: XCTestCase {
    func randoms(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 }
    }

    func testFastMatVecMatchesNaiveReferenceWithTailsAndAccumulate() {
        for (R, K) in [(37, 53), (64, 576), (5, 16), (3, 7), (129, 1536), (6, 100)] {
            let w = randoms(R * K, seed: UInt64(R * 1000 + K)), x = randoms(K, seed: 9)
            let m = w.withUnsafeBufferPointer { Int8Matrix($0.baseAddress!, rows: R, cols: K) }
            var ref = [Float](repeating: 0, count: R), y = [Float](repeating: 0, count: R)
            x.withUnsafeBufferPointer { xp in
                ref.withUnsafeMutableBufferPointer { int8MatVecReference($0.baseAddress!, m, xp.baseAddress!) }
                y.withUnsafeMutableBufferPointer { m.matvec($0.baseAddress!, xp.baseAddress!) }
            }
            for r in 0..<R { XCTAssertEqual(y[r], ref[r], accuracy: 1e-5 * Float(K), "R \(R) K \(K) row \(r)") }
            var acc = [Float](repeating: 1.5, count: R)
            x.withUnsafeBufferPointer { xp in acc.withUnsafeMutableBufferPointer { m.matvec($0.baseAddress!, xp.baseAddress!, accumulate: true) } }
            for r in 0..<R { XCTAssertEqual(acc[r], 1.5 + ref[r], accuracy: 1e-5 * Float(K)) }
        }
    }

    func testBatchedMatMulMatchesMatVecRowByRow() {
        let (R, K, n) = (70, 96, 5)
        let w = randoms(R * K, seed: 1), x = randoms(n * K, seed: 2)
        let m = w.withUnsafeBufferPointer { Int8Matrix($0.baseAddress!, rows: R, cols: K) }
        var batched = [Float](repeating: 0.25, count: n * R), single = [Float](repeating: 0.25, count: n * R)
        x.withUnsafeBufferPointer { xp in
            batched.withUnsafeMutableBufferPointer { m.matmul($0.baseAddress!, xp.baseAddress!, n: n, accumulate: true) }
            single.withUnsafeMutableBufferPointer { y in
                for i in 0..<n { m.matvec(y.baseAddress! + i * R, xp.baseAddress! + i * K, accumulate: true) }
            }
        }
        for i in 0..<(n * R) { XCTAssertEqual(batched[i], single[i], accuracy: 1e-4) }
    }

    func testBatchedPrefillMatchesTokenByTokenDecode() throws {
        let ids = try LoRAIOTests.reference().ids
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        let q = Int8Model(params: base.params)
        let batched = try q.prefill(ids, cache: KVCache(config: base.config, capacity: ids.count))
        let cache = KVCache(config: base.config, capacity: ids.count)
        var stepwise: [Float] = []
        for t in ids { stepwise = try q.decodeStep(t, cache: cache) }
        XCTAssertEqual(batched.count, stepwise.count)
        XCTAssertLessThan(zip(batched, stepwise).map { abs($0 - $1) }.max()!, 1e-4)
    }

    func testLiveCopyFollowsAdapterOffOnWeightsAndModel() throws {
        let ids = try LoRAIOTests.reference().ids
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        let lora = try LoRAIO.read(directory: LoRAIOTests.dir + "/adapter", model: base.config)
        let t = Transformer(params: base.params)
        t.attach(lora: lora)
        func answer(_ m: Int8Model) throws -> [Float] { try m.prefill(ids, cache: KVCache(config: base.config, capacity: ids.count)) }

        let copy = LiveInt8Copy(t)
        XCTAssertNil(copy.follow(t), "nothing changed")
        let adapted = try answer(copy.model)
        let baseInt8 = try answer(Int8Model(params: base.params, lora: nil))
        XCTAssertNotEqual(adapted, baseInt8)

        lora.enabled = false
        XCTAssertEqual(copy.follow(t), "the adapter was turned off")
        XCTAssertEqual(try answer(copy.model), baseInt8, "after lora off the int8 answers are the base's int8 answers")
        lora.enabled = true
        XCTAssertEqual(copy.follow(t), "the adapter was turned on")
        XCTAssertEqual(try answer(copy.model), adapted)

        // what a training step does to the adapter: its numbers change in place
        for i in 0..<min(64, lora.params.count) { lora.params.base[i] += 0.05 }
        XCTAssertEqual(copy.follow(t), "the adapter's weights changed")
        XCTAssertNotEqual(try answer(copy.model), adapted)

        t.invalidateDecodeWeights()          // the version moves, the numbers do not: nothing to rebuild
        XCTAssertNil(copy.follow(t))

        base.params.tokenEmbedding.ptr[0] += 1
        t.invalidateDecodeWeights()
        XCTAssertEqual(copy.follow(t), "the model's weights changed")

        t.attach(lora: nil)
        XCTAssertEqual(copy.follow(t), "the adapter was dropped")
        XCTAssertEqual(try answer(copy.model), try answer(Int8Model(params: base.params, lora: nil)))

        let other = Transformer(params: try loadModel(path: LoRAIOTests.dir + "/base").params)
        XCTAssertEqual(copy.follow(other), "another model was loaded")
    }
}
