// Qwen3 (per-head q/k RMSNorm, head_dim 16 set apart from hidden 32 / 4 heads; tied and untied) and Llama with
// llama3 rope scaling, against HF transformers + PEFT (float64) on the tiny fixtures of scripts/make-arch-fixtures.py:
// logits, loss, every weight gradient, LoRA gradients on all seven targets, 10 AdamW steps full and LoRA, one step
// lowering the loss, HF's greedy continuation, KV-cache decoding, the int8 copy, loading the HF directory and the
// llama.cpp-layout GGUF, export round trips, and the exports read back by PEFT and transformers themselves
// (scripts/check-arch-export.py, when the reference Python is here).
import Foundation
import XCTest
import SFT

final class ArchModelTests: XCTestCase {
    let fixtures = ["qwen3-untied", "qwen3-tied", "llama3rope-tied"]

    func testLogitsLossAndGradientsMatchHF() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let logits = try model.logits(tokens: f.tokens, batch: f.B, length: f.T)
            XCTAssertLessThan(maxAbsDiff(logits, f.logits), 1e-4, "\(name) logits")
            model.enableFullGradients()
            let loss = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
            XCTAssertEqual(Double(loss), f.loss, accuracy: 1e-4 * f.loss, "\(name) loss")
            model.backward()
            let ref = ParameterTensors(config: f.config)
            ModelFixture.fill(ref.named, from: try ModelFixture.floats("\(name).grads.bin"))
            XCTAssertEqual(model.grads!.named.map(\.0), ref.named.map(\.0))
            for ((n, ours), (_, theirs)) in zip(model.grads!.named, ref.named) {
                let scale = theirs.toArray().map(abs).max()!
                XCTAssertGreaterThan(scale, 0, "\(name) grad \(n) is all zero in HF: the comparison would prove nothing")
                XCTAssertLessThan(maxAbsDiff(ours.toArray(), theirs.toArray()), 1e-4 * scale + 1e-7, "\(name) grad \(n)")
            }
        }
    }

    /// LoRA r=4 on q,k,v,o,gate,up,down with PEFT's A and a random B: the loss and every adapter gradient.
    func testLoRAGradientsOnAllTargetsMatchPEFT() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let lora = try allTargetsLoRA(f, name)
            model.attach(lora: lora)
            let loss = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
            XCTAssertEqual(Double(loss), f.loraAllLoss!, accuracy: 1e-4 * f.loraAllLoss!, "\(name) LoRA loss")
            model.backward()
            let ref = try ModelFixture.floats("\(name).lora-all.grads.bin")
            var o = 0
            for l in 0..<f.L { for t in LoRATarget.allCases { for (ours, label) in [(lora.gradA(t, layer: l)!, "A"), (lora.gradB(t, layer: l)!, "B")] {
                let theirs = Array(ref[o..<(o + ours.count)]); o += ours.count
                let scale = theirs.map(abs).max()!
                XCTAssertGreaterThan(scale, 0, "\(name) layer \(l) \(t) \(label): zero gradient in PEFT")
                XCTAssertLessThan(maxAbsDiff(ours.toArray(), theirs), 1e-4 * scale + 1e-7, "\(name) layer \(l) \(t) lora_\(label) gradient")
            } } }
            XCTAssertEqual(o, ref.count)
        }
    }

    func testTenAdamWStepsFullAndLoRAMatchHF() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            model.enableFullGradients()
            let losses = try adamWStepLosses(model, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                             steps: f.fullLosses.count, lr: f.lr, weightDecay: f.weightDecay, clip: f.clip)
            for (a, b) in zip(losses, f.fullLosses) { XCTAssertEqual(a, b, accuracy: 1e-4 * b, "\(name) full \(losses) vs \(f.fullLosses)") }

            let base = Transformer(params: try f.params(name))
            let lora = try f.qkvoLoRA(name)
            base.attach(lora: lora)
            let llosses = try adamWStepLosses(base, lora: lora, tokens: f.tokens, targets: f.targets, mask: f.mask, B: f.B, T: f.T,
                                              steps: f.loraLosses.count, lr: f.loraLR, weightDecay: f.weightDecay, clip: f.clip)
            for (x, y) in zip(llosses, f.loraLosses) { XCTAssertEqual(x, y, accuracy: 1e-4 * y, "\(name) LoRA \(llosses) vs \(f.loraLosses)") }
        }
    }

    /// One optimizer step (full, and LoRA on every target) lowers the loss on the batch it was taken on.
    func testOneTrainStepLowersTheLoss() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            for useLoRA in [false, true] {
                let model = Transformer(params: try f.params(name))
                let lora = useLoRA ? try allTargetsLoRA(f, name) : nil
                if let lora { model.attach(lora: lora) } else { model.enableFullGradients() }
                let trainable = model.trainable!
                let opt = AdamW(count: trainable.params.count, config: AdamWConfig(weightDecay: 0, maxGradNorm: 1))
                model.zeroGradients()
                let before = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T, needGradients: true)
                model.backward()
                opt.step(params: trainable.params.base, grads: trainable.grads.base, lr: 1e-3)
                let after = try model.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, length: f.T)
                XCTAssertLessThan(after, before - 1e-3, "\(name) \(useLoRA ? "LoRA" : "full"): \(before) -> \(after)")
            }
        }
    }

    /// Prefill + one decodeStep per token (KV cache), argmax each time: HF's greedy continuation token for token.
    func testGreedyContinuationMatchesHF() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let prompt = f.greedyPrompt!, want = f.greedy!
            let cache = KVCache(config: f.config, capacity: prompt.count + want.count)
            var logits = try model.prefill(prompt, cache: cache)
            var got: [Int32] = []
            for _ in want.indices {
                let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
                got.append(next)
                logits = try model.decodeStep(next, cache: cache)
            }
            XCTAssertEqual(got, want, "\(name) greedy continuation of \(prompt)")
        }
    }

    func testPrefillDecodeAndInt8MatchTrainingLogits() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let T = f.T, seq = Array(f.tokens[0..<T])
            let full = try model.logits(tokens: seq, batch: 1, length: T)
            let cache = KVCache(config: f.config, capacity: T)
            let split = 5
            let last = try model.prefill(Array(seq[0..<split]), cache: cache)
            XCTAssertLessThan(maxAbsDiff(last, Array(full[((split - 1) * f.V)..<(split * f.V)])), 1e-4, "\(name) prefill")
            for t in split..<T {
                let l = try model.decodeStep(seq[t], cache: cache)
                XCTAssertLessThan(maxAbsDiff(l, Array(full[(t * f.V)..<((t + 1) * f.V)])), 1e-4, "\(name) decode \(t)")
            }
            // int8 weights: close to fp32 (per-row absmax error only), so q/k norms and the scaled RoPE are applied
            let int8 = Int8Model(params: model.params)
            let c8 = KVCache(config: f.config, capacity: T)
            let q = try int8.prefill(seq, cache: c8)
            let ref = Array(full[((T - 1) * f.V)..<(T * f.V)])
            XCTAssertLessThan(maxAbsDiff(q, ref), 0.03 * ref.map(abs).max()!, "\(name) int8 logits")
        }
    }

    /// The HF directory (config.json + safetensors) and the GGUF in llama.cpp's layout both load to HF's logits.
    func testHFDirectoryAndGGUFLoadToHFLogits() throws {
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let hf = try loadModelWeights(path: ModelFixture.dir.appendingPathComponent("\(name)-hf").path)
            XCTAssertEqual(hf.0, f.config, "\(name) config.json")
            let gguf = try loadModelWeights(path: ModelFixture.dir.appendingPathComponent("\(name).gguf").path)
            XCTAssertEqual(gguf.0.architecture, f.config.architecture)
            XCTAssertEqual(gguf.0.headDim, f.config.headDim)
            XCTAssertEqual(gguf.0.ropeScaling == nil, f.config.ropeScaling == nil, "\(name) GGUF rope_freqs")
            for (what, p) in [("HF directory", hf.1), ("GGUF", gguf.1)] {
                let logits = try Transformer(params: p).logits(tokens: f.tokens, batch: f.B, length: f.T)
                XCTAssertLessThan(maxAbsDiff(logits, f.logits), 1e-4, "\(name) from the \(what)")
            }
        }
    }

    /// export merged (config.json + safetensors) and export gguf read back to the same logits; config.json names the
    /// class, head_dim and rope_scaling; GGUF divisors that fit no llama3 parameters are refused for config.json.
    func testExportsRoundTrip() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-arch-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let p = try f.params(name)
            let want = try Transformer(params: p).logits(tokens: f.tokens, batch: f.B, length: f.T)
            let dir = tmp + "/\(name)-merged"
            try saveHFWeights(p, directory: dir)
            let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
            XCTAssertEqual(j["architectures"] as? [String], [f.config.architecture.hfClassName])
            XCTAssertEqual(j["head_dim"] as? Int, f.config.headDim)
            let rs = j["rope_scaling"] as? [String: Any]
            XCTAssertEqual(rs?["rope_type"] as? String, f.ropeScaling == nil ? nil : "llama3")
            XCTAssertEqual(rs?["original_max_position_embeddings"] as? Int, f.ropeScaling?.original_max_position_embeddings)
            let back = try loadModelWeights(path: dir)
            XCTAssertEqual(back.0, f.config)
            XCTAssertLessThan(maxAbsDiff(try Transformer(params: back.1).logits(tokens: f.tokens, batch: f.B, length: f.T), want), 1e-6, "\(name) merged")
            let file = tmp + "/\(name).gguf"
            try saveGGUF(p, to: file, type: .f32)
            let g = try GGUFFile(path: file)
            XCTAssertEqual(g.string("general.architecture"), f.architecture)
            XCTAssertEqual(g.tensors["blk.0.attn_q_norm.weight"] != nil, f.architecture == "qwen3")
            XCTAssertEqual(g.tensors["rope_freqs.weight"] != nil, f.ropeScaling != nil)
            let gb = try loadModelWeights(path: file)
            XCTAssertLessThan(maxAbsDiff(try Transformer(params: gb.1).logits(tokens: f.tokens, batch: f.B, length: f.T), want), 1e-5, "\(name) gguf")
            if f.ropeScaling != nil {
                // original context 128 is not llama.cpp's 8192: only the divisors survive, which config.json cannot state
                guard case .freqFactors = gb.0.ropeScaling else { return XCTFail("\(name): expected raw rope divisors from the GGUF") }
                XCTAssertThrowsError(try saveHFWeights(gb.1, directory: tmp + "/refused")) { e in
                    XCTAssertTrue("\(e)".contains("rope_scaling"), "\(e)")
                }
            }
        }
    }

    func testConfigReadingRoPEScalingAndQwen3() throws {
        var j: [String: Any] = ["architectures": ["LlamaForCausalLM"], "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96,
                                "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 1024,
                                "rope_theta": 500000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": true,
                                "rope_scaling": ["rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                 "original_max_position_embeddings": 8192]]
        let c = try ModelConfig.fromHFConfig(j)
        let want = RoPEScaling.llama3(factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192)
        XCTAssertEqual(c.ropeScaling, want)
        // the divisors llama.cpp's converter writes for Llama-3.2 read back as the same parameters
        XCTAssertEqual(RoPEScaling.fromGGUF(factors: want.freqFactors(headDim: 16, theta: 500000), headDim: 16, theta: 500000), want)
        XCTAssertNil(RoPEScaling.fromGGUF(factors: [Float](repeating: 1, count: 8), headDim: 16, theta: 500000))
        // HF's numbers: the table divides low frequencies by the factor and keeps high ones
        let inv = RoPETable.unscaledInverseFrequencies(headDim: 16, theta: 500000), scaled = want.inverseFrequencies(inv)
        XCTAssertEqual(scaled[0], inv[0]); XCTAssertEqual(scaled[7], inv[7] / 32, accuracy: 1e-12)
        j["rope_scaling"] = ["rope_type": "yarn", "factor": 4.0]
        XCTAssertThrowsError(try ModelConfig.fromHFConfig(j)) { XCTAssertTrue("\($0)".contains("'yarn' is not supported"), "\($0)") }
        j["rope_scaling"] = ["rope_type": "llama3", "factor": 8.0]
        XCTAssertThrowsError(try ModelConfig.fromHFConfig(j)) { XCTAssertTrue("\($0)".contains("no original_max_position_embeddings"), "\($0)") }
        j["rope_scaling"] = NSNull()
        j["architectures"] = ["Qwen3ForCausalLM"]; j["head_dim"] = 32
        let q = try ModelConfig.fromHFConfig(j)
        XCTAssertEqual(q.architecture, .qwen3); XCTAssertEqual(q.qDim, 128); XCTAssertTrue(q.qkNorm); XCTAssertFalse(q.attentionBias)
        XCTAssertEqual(ParameterTensors(config: q).count, try q.parameterCount())
        j["attention_bias"] = true
        XCTAssertThrowsError(try ModelConfig.fromHFConfig(j)) { XCTAssertTrue("\($0)".contains("attention_bias"), "\($0)") }
        j["attention_bias"] = false; j["use_sliding_window"] = true
        XCTAssertThrowsError(try ModelConfig.fromHFConfig(j)) { XCTAssertTrue("\($0)".contains("use_sliding_window"), "\($0)") }
    }

    /// `export peft` of a LoRA on every target, loaded by PEFT on the HF directory: the same logits.
    func testPEFTExportLoadsInPEFTWithTheSameLogits() throws {
        let python = try referencePython()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-peft-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let lora = try allTargetsLoRA(f, name)
            model.attach(lora: lora)
            let dir = tmp + "/\(name)", base = ModelFixture.dir.appendingPathComponent("\(name)-hf").path
            _ = try LoRAIO.write(lora, directory: dir, baseModelName: base)
            try referenceCheck(python, "peft", base, logits: try model.logits(tokens: f.tokens, batch: f.B, length: f.T), f, extra: [dir], in: tmp)
        }
    }

    /// `export merged` (LoRA on every target merged) loads in transformers with the same logits: the class,
    /// head_dim and rope_scaling in config.json say enough.
    func testMergedExportLoadsInTransformersWithTheSameLogits() throws {
        let python = try referencePython()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-merged-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for name in fixtures {
            let (f, _) = try ModelFixture.load(name)
            let model = Transformer(params: try f.params(name))
            let lora = try allTargetsLoRA(f, name)
            model.attach(lora: lora)
            let dir = tmp + "/\(name)"
            try saveHFWeights(LoRAIO.mergedCopy(model.params, lora: lora), directory: dir)
            try referenceCheck(python, "merged", dir, logits: try model.logits(tokens: f.tokens, batch: f.B, length: f.T), f, in: tmp)
        }
    }

    /// `export gguf` of a Qwen3 read by transformers' GGUF loader. Its qwen3 key table (5.24) ignores
    /// attention.key_length and assumes Qwen3Config's head_dim 128 (that of every released Qwen3), so this model
    /// has HS = 128 on a 32-wide model; and it ignores rope_freqs.weight, so the llama3-rope model is not
    /// checked here (llama.cpp reads it; the round trip through sft's loader is in testExportsRoundTrip).
    func testGGUFExportReadByTransformers() throws {
        let python = try referencePython()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-gguf-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let cfg = ModelConfig(architecture: .qwen3, vocabSize: 64, hiddenSize: 32, intermediateSize: 32, numLayers: 2, numHeads: 2,
                              numKVHeads: 1, headDim: 128, maxPositions: 64, ropeTheta: 10000, rmsNormEps: 1e-6, tiedEmbeddings: false)
        let p = ParameterTensors(config: cfg)
        var rng = TestRNG(12)
        for (n, v) in p.named { v.copy(from: n.hasSuffix("norm") ? rng.array(v.count, scale: 0.2).map { $0 + 1 } : rng.array(v.count, scale: 0.2)) }
        let tokens: [Int32] = (0..<16).map { Int32(($0 * 37 + 11) % 64) }
        let logits = try Transformer(params: p).logits(tokens: tokens, batch: 2, length: 8)
        try saveGGUF(p, to: tmp + "/qwen3.gguf", type: .f32)
        let f = try ModelFixture.load("qwen3-untied").0
        try referenceCheck(python, "gguf", tmp + "/qwen3.gguf", logits: logits, f, tokens: tokens, in: tmp)
    }

    /// Runs scripts/check-arch-export.py KIND PATH on sft's logits of the fixture's batch (or `tokens`, B = 2).
    private func referenceCheck(_ python: String, _ kind: String, _ path: String, logits: [Float], _ f: ModelFixture,
                                tokens: [Int32]? = nil, extra: [String] = [], in tmp: String) throws {
        let script = ModelFixture.dir.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/check-arch-export.py").path
        let file = tmp + "/sft-logits-\(kind).bin"
        try logits.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: file)) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, kind, path, file, (tokens ?? f.tokens).map(String.init).joined(separator: ","), "\(tokens == nil ? f.B : 2)"] + extra
        let out = Pipe()
        p.standardOutput = out; p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(text.split(separator: "\n").filter { $0.contains("max |diff|") || $0.contains("could not load") }.joined(separator: "\n"))
        XCTAssertEqual(p.terminationStatus, 0, "\(kind) \(path): \(text.suffix(2000))")
    }

    /// LoRA r=4 alpha=8 on every target with the fixture's A and B (lora-all.bin: per layer and target, A then B).
    private func allTargetsLoRA(_ f: ModelFixture, _ name: String) throws -> LoRA {
        let lora = try LoRA(model: f.config, config: LoRAConfig(rank: 4, alpha: 8, targets: LoRATarget.allCases))
        let w = try ModelFixture.floats("\(name).lora-all.bin")
        var o = 0
        for l in 0..<f.L { for t in LoRATarget.allCases { for v in [lora.a(t, layer: l)!, lora.b(t, layer: l)!] {
            v.copy(from: Array(w[o..<(o + v.count)])); o += v.count
        } } }
        precondition(o == w.count, "lora-all.bin holds \(w.count) floats, the adapter \(o)")
        return lora
    }
}
