// INT8 quantization on the tiny PEFT fixture model: the matvec is exact for the int8 values (checked against a
// dequantized fp32 matvec), every weight is within half a step of its row's scale, and Int8Model's prefill and
// step-by-step decode agree (to rounding) and stay close to the fp32 model's logits (adapter merged).
import Foundation
import XCTest
import SFT

final class QuantizeTests: XCTestCase {
    func testMatVecMatchesDequantizedWeights() {
        let (R, K) = (37, 53)   // odd sizes: exercise the SIMD tail
        var rng = SplitMix64(seed: 3)
        let w = (0..<(R * K)).map { _ in rng.nextUnitFloat() * 2 - 1 }
        let x = (0..<K).map { _ in rng.nextUnitFloat() * 2 - 1 }
        let m = w.withUnsafeBufferPointer { Int8Matrix($0.baseAddress!, rows: R, cols: K) }
        var y = [Float](repeating: 0, count: R)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.matvec($0.baseAddress!, xp.baseAddress!) } }
        for r in 0..<R {
            var ref: Float = 0
            for j in 0..<K {
                let dq = Float(m.value(row: r, col: j)) * m.scales[r]
                XCTAssertLessThanOrEqual(abs(dq - w[r * K + j]), m.scales[r] / 2 + 1e-6)
                ref += dq * x[j]
            }
            XCTAssertEqual(y[r], ref, accuracy: 1e-4)
        }
    }

    func testInt8ModelCloseToFP32() throws {
        let ref = try LoRAIOTests.reference()
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        let lora = try LoRAIO.read(directory: LoRAIOTests.dir + "/adapter", model: base.config)
        let q = Int8Model(params: base.params, lora: lora)
        let ids = ref.ids
        let a = try q.prefill(ids, cache: KVCache(config: base.config, capacity: ids.count))
        let cache = KVCache(config: base.config, capacity: ids.count)
        _ = try q.prefill(Array(ids.prefix(ids.count - 1)), cache: cache)
        let b = try q.decodeStep(ids.last!, cache: cache)
        // prefill runs the prompt as one batch (tiled sgemm), decodeStep one token (matvec): the same up to rounding
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4)
        let fp = ref.adapter_logits.last!
        let maxDiff = zip(a, fp).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(maxDiff, 0.2, "int8 logits drift (0.093 when written)")

        // exactness of the pipeline: fp32 with the dequantized int8 weights gives the same logits
        let dq = LoRAIO.mergedCopy(base.params, lora: lora)
        func roundTrip(_ v: View, rows: Int, cols: Int) {
            let m = Int8Matrix(v.ptr, rows: rows, cols: cols)
            for r in 0..<rows { for j in 0..<cols { v.ptr[r * cols + j] = Float(m.value(row: r, col: j)) * m.scales[r] } }
        }
        for l in 0..<base.config.numLayers { for t in LoRATarget.allCases {
            let (i, o) = t.dims(base.config)
            roundTrip(t.weight(dq, layer: l), rows: o, cols: i)
        } }
        roundTrip(dq.lmHead, rows: base.config.vocabSize, cols: base.config.hiddenSize)   // tied: also the embedding
        let exact = try Transformer(params: dq).logits(tokens: ids, batch: 1, length: ids.count).suffix(base.config.vocabSize)
        XCTAssertLessThan(zip(a, exact).map { abs($0 - $1) }.max()!, 1e-4)
        XCTAssertEqual(a.indices.max { a[$0] < a[$1] }, fp.indices.max { fp[$0] < fp[$1] })
        XCTAssertLessThan(q.bytes, base.params.count * 4 / 2)
    }
}
