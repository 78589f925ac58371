// Gemma 3 (Gemma3ForCausalLM) against HF transformers + PEFT on the tiny random models of
// scripts/make-gemma3-fixtures.py (float64 references, eager attention): config.json and GGUF read into the
// right shape, logits, loss and every gradient, PEFT LoRA gradients on all seven targets, 10 AdamW steps full
// and LoRA, greedy continuation through the KV cache, the GGUF written the llama.cpp way, and exports read back
// (merged and PEFT through transformers/PEFT, the GGUF through transformers' GGUF loader, with the Python
// SFT_REF_PYTHON names; skipped with a message saying so without it).
import Foundation
import XCTest
import SFT

struct Gemma3Fixture: Decodable {
    let tied: Bool
    let V: Int, C: Int, L: Int, NH: Int, NKV: Int, FF: Int, B: Int, T: Int, HS: Int
    let slidingWindow: Int, queryPreAttnScalar: Float, layerTypes: [String], ropeTheta: Float, ropeLocalTheta: Float, eps: Float
    let tokens: [Int32], targets: [Int32], mask: [Float]
    let loss: Double, logits: [Float]
    let lr: Float, loraLR: Float, weightDecay: Float, clip: Float, fullLosses: [Double]
    let loraRank: Int, loraAlpha: Float, loraTargets: [String], loraLoss: Double, loraLosses: [Double]
    let prompt: [Int32], greedy: [Int32]

    static let names = ["gemma3-tied", "gemma3-untied"]
    static func load(_ name: String) throws -> Gemma3Fixture {
        try JSONDecoder().decode(Gemma3Fixture.self, from: Data(contentsOf: ModelFixture.dir.appendingPathComponent("\(name).json")))
    }
    static func path(_ name: String) -> String { ModelFixture.dir.appendingPathComponent(name).path }

    /// The LoRA of the fixture: PEFT's A and the script's random B.
    func lora(_ c: ModelConfig, name: String) throws -> LoRA {
        let lora = try LoRA(model: c, config: LoRAConfig(rank: loraRank, alpha: loraAlpha, targets: loraTargets.compactMap(LoRATarget.init(name:))))
        ModelFixture.fill(lora.named, from: try ModelFixture.floats("\(name).lora.bin"))
        return lora
    }
}

final class Gemma3ModelTests: XCTestCase {
    func testConfigFromHFDirectoryAndGGUF() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, _) = try loadModelWeights(path: Gemma3Fixture.path(name))
            XCTAssertEqual(c.architecture, .gemma3)
            XCTAssertEqual([c.vocabSize, c.hiddenSize, c.numLayers, c.numHeads, c.numKVHeads, c.headDim, c.intermediateSize],
                           [f.V, f.C, f.L, f.NH, f.NKV, f.HS, f.FF], name)
            XCTAssertEqual(c.slidingLayers, f.layerTypes.map { $0 == "sliding_attention" }, name)
            XCTAssertEqual(c.slidingWindow, f.slidingWindow, name)
            XCTAssertEqual(c.queryPreAttnScalar, f.queryPreAttnScalar, name)
            XCTAssertEqual(c.ropeTheta, f.ropeTheta, name)
            XCTAssertEqual(c.ropeLocalTheta, f.ropeLocalTheta, name)
            XCTAssertEqual(c.tiedEmbeddings, f.tied, name)
            XCTAssertTrue(c.slidingLayers!.contains(true) && c.slidingLayers!.contains(false), "\(name): both layer kinds occur")
            XCTAssertLessThan(f.slidingWindow, f.T, "\(name): the window must matter")
        }
        // the GGUF written llama.cpp's way: same shape, same numbers (norms stored as 1 + w, read back as w)
        let (hc, hp) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-tied"))
        let (gc, gp) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-tied") + ".gguf")
        XCTAssertEqual(gc, hc)
        XCTAssertEqual(gp.named.map(\.0), hp.named.map(\.0))
        for ((n, a), (_, b)) in zip(gp.named, hp.named) { XCTAssertLessThan(maxAbsDiff(a.toArray(), b.toArray()), 1e-6, n) }
    }

    func testLossLogitsAndGradientsMatchHF() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let model = Transformer(params: p)
            let logits = try model.logits(tokens: f.tokens, batch: f.B, length: f.T)
            XCTAssertEqual(logits.count, f.logits.count)
            XCTAssertLessThan(maxAbsDiff(logits, f.logits), 1e-4, "\(name) logits")
            model.enableFullGradients()
            let loss = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
            XCTAssertEqual(Double(loss), f.loss, accuracy: 1e-4 * f.loss, "\(name) loss")
            model.backward()
            let ref = ParameterTensors(config: c)
            ModelFixture.fill(ref.named, from: try ModelFixture.floats("\(name).grads.bin"))
            for ((n, ours), (_, theirs)) in zip(model.grads!.named, ref.named) {
                let scale = theirs.toArray().map(abs).max()!
                XCTAssertGreaterThan(scale, 0, "\(name) grad \(n) is all zero in the reference")
                XCTAssertLessThan(maxAbsDiff(ours.toArray(), theirs.toArray()), 1e-4 * scale, "\(name) grad \(n)")
            }
        }
    }

    func testLoRAGradientsMatchPEFT() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let model = Transformer(params: p)
            let lora = try f.lora(c, name: name)
            XCTAssertEqual(lora.config.targets, LoRATarget.allCases)
            model.attach(lora: lora)
            let loss = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
            XCTAssertEqual(Double(loss), f.loraLoss, accuracy: 1e-4 * f.loraLoss, "\(name) LoRA loss")
            model.backward()
            let ref = try ModelFixture.floats("\(name).loragrads.bin")
            var o = 0
            for (n, v) in lora.named {
                let ours = View(lora.grads.base + (v.ptr - lora.params.base), v.shape).toArray()
                let theirs = Array(ref[o..<(o + v.count)])
                o += v.count
                let scale = theirs.map(abs).max()!
                XCTAssertGreaterThan(scale, 0, "\(name) \(n)")
                XCTAssertLessThan(maxAbsDiff(ours, theirs), 1e-4 * scale, "\(name) LoRA grad \(n)")
            }
            XCTAssertEqual(o, ref.count)
        }
    }

    func testTenAdamWStepsFullAndLoRAMatchHF() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let model = Transformer(params: p.mergedCopy(lora: nil))
            model.enableFullGradients()
            let losses = try adamWStepLosses(model, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                             steps: f.fullLosses.count, lr: f.lr, weightDecay: f.weightDecay, clip: f.clip)
            XCTAssertLessThan(losses[1], losses[0], "\(name): one step lowers the loss")
            for (a, b) in zip(losses, f.fullLosses) { XCTAssertEqual(a, b, accuracy: 1e-4 * b, "\(name) full losses \(losses) vs \(f.fullLosses)") }
            // LoRA from the fixture's A and B, every target
            let base = Transformer(params: p)
            let lora = try f.lora(c, name: name)
            base.attach(lora: lora)
            let llosses = try adamWStepLosses(base, lora: lora, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                              steps: f.loraLosses.count, lr: f.loraLR, weightDecay: f.weightDecay, clip: f.clip)
            XCTAssertLessThan(llosses[1], llosses[0], "\(name): one LoRA step lowers the loss")
            for (a, b) in zip(llosses, f.loraLosses) { XCTAssertEqual(a, b, accuracy: 1e-4 * b, "\(name) LoRA losses \(llosses) vs \(f.loraLosses)") }
        }
    }

    func testGreedyContinuationAndCacheMatchHF() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let model = Transformer(params: p)
            model.halfPrecisionDecode = false
            let cache = KVCache(config: c, capacity: f.prompt.count + f.greedy.count)
            var logits = try model.prefill(f.prompt, cache: cache)
            var out: [Int32] = []
            for i in 0..<f.greedy.count {
                let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
                out.append(next)
                if i + 1 < f.greedy.count { logits = try model.decodeStep(next, cache: cache) }
            }
            XCTAssertEqual(out, f.greedy, "\(name) greedy continuation")
            // prefill of a part, then decoding, equals the training forward's logits past the window
            let seq = Array(f.tokens[0..<f.T])
            let full = try model.logits(tokens: seq, batch: 1, length: f.T)
            for half in [false, true] {
                model.halfPrecisionDecode = half
                let cache2 = KVCache(config: c, capacity: f.T)
                let split = 3
                let last = try model.prefill(Array(seq[0..<split]), cache: cache2)
                XCTAssertLessThan(maxAbsDiff(last, Array(full[((split - 1) * f.V)..<(split * f.V)])), 1e-4, "\(name) prefill")
                let tol: Float = half ? 2e-2 : 1e-4
                for t in split..<f.T {
                    let l = try model.decodeStep(seq[t], cache: cache2)
                    XCTAssertLessThan(maxAbsDiff(l, Array(full[(t * f.V)..<((t + 1) * f.V)])), tol, "\(name) decode \(t) fp16 \(half)")
                }
            }
        }
    }

    /// Two conversations packed in one row give each the per-position losses it has alone (RoPE restarts, the
    /// window and the causal mask stay inside each conversation).
    func testPackedRowEqualsSeparateRows() throws {
        let f = try Gemma3Fixture.load("gemma3-tied")
        let (_, p) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-tied"))
        let model = Transformer(params: p)
        let (na, nb) = (7, 5)   // both longer than the window of 4
        let a = Array(f.tokens[0..<na]), b = Array(f.tokens[f.T..<(f.T + nb)])
        let ta = Array(f.targets[0..<na]), tb = Array(f.targets[f.T..<(f.T + nb)])
        func losses(_ t: [Int32], _ y: [Int32], _ segs: [[Int]]?) throws -> [Float] {
            _ = try model.forward(tokens: t, targets: y, mask: [Float](repeating: 1, count: t.count), batch: 1, length: t.count, segments: segs)
            return model.lastPositionLosses
        }
        let alone = try losses(a, ta, nil) + losses(b, tb, nil)
        let packed = try losses(a + b, ta + tb, [[0, na]])
        XCTAssertEqual(packed.count, alone.count)
        XCTAssertLessThan(maxAbsDiff(packed, alone), 1e-4)
        let unpacked = try losses(a + b, ta + tb, nil)
        XCTAssertGreaterThan(maxAbsDiff(unpacked, alone), 1e-3, "without segments the second conversation sees the first")
    }

    /// The INT8 copy runs Gemma's layers: close to fp32 (per-row int8 weights), not identical.
    func testInt8CopyFollowsFP32() throws {
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let fp32 = Transformer(params: p), int8 = Int8Model(params: p)
            fp32.halfPrecisionDecode = false
            let seq = Array(f.tokens[0..<f.T])
            let c1 = KVCache(config: c, capacity: f.T), c2 = KVCache(config: c, capacity: f.T)
            var a = try fp32.prefill(Array(seq[0..<3]), cache: c1), b = try int8.prefill(Array(seq[0..<3]), cache: c2)
            for t in 3..<f.T {
                let scale = a.map(abs).max()!
                XCTAssertLessThan(maxAbsDiff(a, b), 0.05 * scale, "\(name) int8 at \(t)")
                XCTAssertGreaterThan(maxAbsDiff(a, b), 0, "\(name): the int8 path was not taken")
                a = try fp32.decodeStep(seq[t], cache: c1); b = try int8.decodeStep(seq[t], cache: c2)
            }
        }
    }

    /// export merged (HF directory) and export gguf read back to the same config and numbers; a model llama.cpp
    /// would run differently is refused for GGUF.
    func testHFAndGGUFExportsReadBack() throws {
        let dir = NSTemporaryDirectory() + "gemma3-export-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in Gemma3Fixture.names {
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            try saveHFWeights(p, directory: "\(dir)/\(name)")
            let (c2, p2) = try loadModelWeights(path: "\(dir)/\(name)")
            XCTAssertEqual(c2, c, name)
            XCTAssertEqual(maxAbsDiff(Array(UnsafeBufferPointer(start: p2.storage.base, count: p2.count)), Array(UnsafeBufferPointer(start: p.storage.base, count: p.count))), 0, name)
        }
        let (c, p) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-tied"))
        try saveGGUF(p, to: "\(dir)/tied.gguf", type: .f32)
        let g = try GGUFFile(path: "\(dir)/tied.gguf")
        XCTAssertEqual(g.string("general.architecture"), "gemma3")
        XCTAssertEqual(g.int("gemma3.attention.sliding_window"), 4)
        XCTAssertEqual(g.int("gemma3.attention.key_length"), 16)
        XCTAssertNotNil(g.tensors["blk.0.post_ffw_norm.weight"])
        XCTAssertNotNil(g.tensors["blk.5.attn_q_norm.weight"])
        XCTAssertNil(g.tensors["output.weight"])
        // the stored norm is 1 + w, as llama.cpp's converter writes it
        let stored = try g.floats("output_norm.weight")
        XCTAssertLessThan(maxAbsDiff(stored, p.finalNorm.toArray().map { $0 + 1 }), 1e-6)
        let (gc, gp) = try loadModelWeights(path: "\(dir)/tied.gguf")
        XCTAssertEqual(gc, c)
        XCTAssertLessThan(maxAbsDiff(Array(UnsafeBufferPointer(start: gp.storage.base, count: gp.count)), Array(UnsafeBufferPointer(start: p.storage.base, count: p.count))), 1e-6)
        let (_, up) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-untied"))
        XCTAssertThrowsError(try saveGGUF(up, to: "\(dir)/untied.gguf", type: .f32)) { e in
            XCTAssertTrue("\(e)".contains("llama.cpp"), "\(e)")
        }
    }

    /// transformers' GGUF loader (llama.cpp's names and 1 + w norms) reads the weights of export gguf back.
    func testGGUFExportReadsBackInTransformers() throws {
        let python = try referencePython(unchecked: "the gemma3 GGUF export not read back by transformers")
        let dir = NSTemporaryDirectory() + "gemma3-gguf-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let (_, p) = try loadModelWeights(path: Gemma3Fixture.path("gemma3-tied"))
        try saveGGUF(p, to: "\(dir)/tied.gguf", type: .f32)
        let j = try runReferenceScript(python, script: "check-gemma3-gguf.py", ["\(dir)/tied.gguf", Gemma3Fixture.path("gemma3-tied")])
        XCTAssertEqual(j["architecture"] as? String, "Gemma3ForCausalLM")
        XCTAssertEqual((j["missing"] as? [String])?.count, 0, "\(j)")
        XCTAssertLessThan(j["maxWeightDiff"] as? Double ?? 1, 1e-6, "\(j)")
        XCTAssertEqual(j["slidingWindow"] as? Int, 4)
    }

    /// export peft and export merged load in PEFT / transformers with the logits sft computes with the adapter.
    func testPEFTAndMergedExportsLoadInHF() throws {
        let python = try referencePython(unchecked: "the gemma3 PEFT and merged exports not loaded in PEFT/transformers")
        let dir = NSTemporaryDirectory() + "gemma3-peft-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in Gemma3Fixture.names {
            let f = try Gemma3Fixture.load(name)
            let (c, p) = try loadModelWeights(path: Gemma3Fixture.path(name))
            let lora = try f.lora(c, name: name)
            try LoRAIO.write(lora, directory: "\(dir)/\(name)-adapter")
            try saveHFWeights(p.mergedCopy(lora: lora), directory: "\(dir)/\(name)-merged")
            let model = Transformer(params: p)
            model.attach(lora: lora)
            let row = Array(f.tokens[0..<f.T])
            let ours = try model.logits(tokens: row, batch: 1, length: f.T)
            let j = try runReferenceScript(python, script: "check-gemma3-peft.py",
                                  [Gemma3Fixture.path(name), "\(dir)/\(name)-adapter", row.map(String.init).joined(separator: ","), "\(dir)/\(name)-merged"])
            guard let peft = j["peft"] as? [Double], let merged = j["merged"] as? [Double] else { return XCTFail("\(name): no logits in \(j.keys)") }
            XCTAssertEqual(j["mergedArchitecture"] as? String, "Gemma3ForCausalLM")
            XCTAssertLessThan(maxAbsDiff(ours, peft.map(Float.init)), 1e-4, "\(name) PEFT logits")
            XCTAssertLessThan(maxAbsDiff(ours, merged.map(Float.init)), 1e-4, "\(name) merged logits")
            XCTAssertEqual(peft.count, ours.count)
        }
    }
}
