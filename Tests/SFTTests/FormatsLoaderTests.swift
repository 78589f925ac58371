// Model loading: tiny llama/qwen2 weight sets written as GGUF (q/k permuted the llama.cpp way) and as HF
// safetensors directories must load to the same HF-layout numbers; errors name the tensor; the default GGUF
// loads to SmolLM2-135M and matches values transformers reads (Tests/Fixtures/formats/smollm2-weights.json,
// made by scripts/make-formats-fixture.py); the HF directory converted from it loads bit-identically.
import Foundation
import XCTest
import SFT

/// HF-named weights of a tiny model, row-major PyTorch shapes.
func tinyWeights(_ c: ModelConfig, seed: UInt64 = 7) -> [(String, [Int], [Float])] {
    let (C, Q, KV, FF, V) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.vocabSize)
    var out: [(String, [Int], [Float])] = []
    var s = seed
    func add(_ n: String, _ shape: [Int]) { s += 1; out.append((n, shape, testFloats(shape.reduce(1, *), seed: s))) }
    add("model.embed_tokens.weight", [V, C])
    for l in 0..<c.numLayers {
        let p = "model.layers.\(l)."
        add(p + "input_layernorm.weight", [C])
        add(p + "self_attn.q_proj.weight", [Q, C]); add(p + "self_attn.k_proj.weight", [KV, C]); add(p + "self_attn.v_proj.weight", [KV, C])
        if c.attentionBias { add(p + "self_attn.q_proj.bias", [Q]); add(p + "self_attn.k_proj.bias", [KV]); add(p + "self_attn.v_proj.bias", [KV]) }
        add(p + "self_attn.o_proj.weight", [C, Q]); add(p + "post_attention_layernorm.weight", [C])
        add(p + "mlp.gate_proj.weight", [FF, C]); add(p + "mlp.up_proj.weight", [FF, C]); add(p + "mlp.down_proj.weight", [C, FF])
    }
    add("model.norm.weight", [C])
    if !c.tiedEmbeddings { add("lm_head.weight", [V, C]) }
    return out
}

/// llama.cpp convert_hf_to_gguf.py `permute`, written as its numpy reshape/swapaxes:
/// w.reshape(n_head, 2, rows/n_head/2, *rest).swapaxes(1, 2).reshape(w.shape)
func llamaCppPermute(_ w: [Float], rows: Int, cols: Int, nHead: Int) -> [Float] {
    let half = rows / nHead / 2
    var out = w
    for h in 0..<nHead { for a in 0..<2 { for b in 0..<half {
        let src = ((h * 2 + a) * half + b) * cols          // index [h, a, b] of the reshaped input
        let dst = ((h * half + b) * 2 + a) * cols          // the same element after swapaxes(1, 2): [h, b, a]
        for k in 0..<cols { out[dst + k] = w[src + k] }
    } } }
    return out
}

let ggufNames: [(String, String)] = [
    ("model.embed_tokens.weight", "token_embd.weight"), ("model.norm.weight", "output_norm.weight"), ("lm_head.weight", "output.weight"),
    ("input_layernorm.weight", "attn_norm.weight"), ("self_attn.q_proj.weight", "attn_q.weight"), ("self_attn.k_proj.weight", "attn_k.weight"),
    ("self_attn.v_proj.weight", "attn_v.weight"), ("self_attn.q_proj.bias", "attn_q.bias"), ("self_attn.k_proj.bias", "attn_k.bias"),
    ("self_attn.v_proj.bias", "attn_v.bias"), ("self_attn.o_proj.weight", "attn_output.weight"),
    ("post_attention_layernorm.weight", "ffn_norm.weight"), ("mlp.gate_proj.weight", "ffn_gate.weight"),
    ("mlp.up_proj.weight", "ffn_up.weight"), ("mlp.down_proj.weight", "ffn_down.weight"),
]

func ggufName(_ hf: String) -> String {
    if let (_, g) = ggufNames.first(where: { $0.0 == hf }) { return g }
    let parts = hf.split(separator: ".", maxSplits: 3).map(String.init)   // model, layers, N, rest
    return "blk.\(parts[2])." + ggufNames.first(where: { $0.0 == parts[3] })!.1
}

/// Writes a GGUF the way llama.cpp would: metadata, permuted q/k for llama, dims reversed.
func writeTinyGGUF(_ c: ModelConfig, _ w: [(String, [Int], [Float])], type: GGUFTensorType = .f32, to path: String) throws {
    var g = GGUFWriter()
    let a = c.architecture.rawValue
    g.add("general.architecture", .string(a))
    g.add("\(a).block_count", .uint32(UInt32(c.numLayers)))
    g.add("\(a).context_length", .uint32(UInt32(c.maxPositions)))
    g.add("\(a).embedding_length", .uint32(UInt32(c.hiddenSize)))
    g.add("\(a).feed_forward_length", .uint32(UInt32(c.intermediateSize)))
    g.add("\(a).attention.head_count", .uint32(UInt32(c.numHeads)))
    g.add("\(a).attention.head_count_kv", .uint32(UInt32(c.numKVHeads)))
    g.add("\(a).rope.freq_base", .float32(c.ropeTheta))
    if c.headDim != c.hiddenSize / c.numHeads {
        g.add("\(a).attention.key_length", .uint32(UInt32(c.headDim)))
        g.add("\(a).attention.value_length", .uint32(UInt32(c.headDim)))
    }
    g.add("\(a).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps))
    for (name, shape, data) in w {
        var d = data
        if c.architecture == .llama, name.contains("q_proj") || name.contains("k_proj") {
            let heads = name.contains("q_proj") ? c.numHeads : c.numKVHeads
            d = llamaCppPermute(d, rows: shape[0], cols: shape.count == 2 ? shape[1] : 1, nHead: heads)
        }
        let t: GGUFTensorType = shape.count == 2 ? type : .f32
        try g.addTensor(ggufName(name), type: t, dims: shape.reversed(), floats: d)
    }
    try g.write(to: path)
}

func writeTinyHF(_ c: ModelConfig, _ w: [(String, [Int], [Float])], dir: String, shards: Int = 1) throws {
    var cfg: [String: Any] = [
        "architectures": [c.architecture == .llama ? "LlamaForCausalLM" : "Qwen2ForCausalLM"],
        "model_type": c.architecture.rawValue, "vocab_size": c.vocabSize, "hidden_size": c.hiddenSize,
        "intermediate_size": c.intermediateSize, "num_hidden_layers": c.numLayers, "num_attention_heads": c.numHeads,
        "num_key_value_heads": c.numKVHeads, "max_position_embeddings": c.maxPositions, "rope_theta": Double(c.ropeTheta),
        "rms_norm_eps": Double(c.rmsNormEps), "tie_word_embeddings": c.tiedEmbeddings, "hidden_act": "silu",
    ]
    if c.headDim != c.hiddenSize / c.numHeads { cfg["head_dim"] = c.headDim }
    try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: dir + "/config.json"))
    var weightMap: [String: String] = [:]
    for s in 0..<shards {
        let file = shards == 1 ? "model.safetensors" : String(format: "model-%05d-of-%05d.safetensors", s + 1, shards)
        var writer = SafetensorsWriter()
        let mine = w.enumerated().filter { $0.offset % shards == s }.map(\.element)
        try withExtendedLifetime(mine) {
            for (name, shape, data) in mine {
                try data.withUnsafeBufferPointer { try writer.add(name, shape: shape, data: $0) }
                weightMap[name] = file
            }
            try writer.write(to: dir + "/" + file)
        }
    }
    if shards > 1 {
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap]).write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
    }
}

/// The HF-named numbers of loaded parameters.
func hfNamed(_ p: ParameterTensors) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: weightSlots(p).map { ($0.hfName, $0.view.toArray()) })
}

final class FormatsLoaderTests: XCTestCase {
    let tinyLlama = ModelConfig(architecture: .llama, vocabSize: 40, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                                numHeads: 4, numKVHeads: 2, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
    let tinyQwen = ModelConfig(architecture: .qwen2, vocabSize: 40, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                               numHeads: 4, numKVHeads: 2, headDim: 16, maxPositions: 128, ropeTheta: 1e6, rmsNormEps: 1e-6, tiedEmbeddings: false)

    func testPermuteInverse() {
        let w = testFloats(3 * 8 * 5)
        var p = llamaCppPermute(w, rows: 24, cols: 5, nHead: 3)
        XCTAssertNotEqual(p, w)
        p.withUnsafeMutableBufferPointer { unpermuteRoPERows($0.baseAddress!, heads: 3, headDim: 8, cols: 5) }
        XCTAssertEqual(p, w)
        var q = w
        q.withUnsafeMutableBufferPointer { permuteRoPERows($0.baseAddress!, heads: 3, headDim: 8, cols: 5) }
        XCTAssertEqual(q, llamaCppPermute(w, rows: 24, cols: 5, nHead: 3))
    }

    func testTinyModelsGGUFAndHFLoadTheSameNumbers() throws {
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for c in [tinyLlama, tinyQwen] {
            let w = tinyWeights(c)
            let expected = Dictionary(uniqueKeysWithValues: w.map { ($0.0, $0.2) })
            let a = c.architecture.rawValue
            try writeTinyGGUF(c, w, to: dir + "/\(a).gguf")
            let fromGGUF = try loadModel(path: dir + "/\(a).gguf")
            XCTAssertEqual(fromGGUF.config, c)
            XCTAssertEqual(hfNamed(fromGGUF.params), expected, "GGUF \(a)")
            if case .gguf(let g) = fromGGUF.source { XCTAssertEqual(g.string("general.architecture"), a) } else { XCTFail("source") }
            for shards in [1, 3] {
                let hf = dir + "/\(a)-hf\(shards)"
                try FileManager.default.createDirectory(atPath: hf, withIntermediateDirectories: true)
                try writeTinyHF(c, w, dir: hf, shards: shards)
                let (hc, hp) = try loadModelWeights(path: hf)
                XCTAssertEqual(hc, c)
                XCTAssertEqual(hfNamed(hp), expected, "HF \(a) shards \(shards)")
            }
            if c.tiedEmbeddings { XCTAssertEqual(fromGGUF.params.lmHead.ptr, fromGGUF.params.tokenEmbedding.ptr) }
        }
    }

    func testQuantizedTinyLlamaUnpermutes() throws {
        // Q8_0 rows: the permutation moves whole rows, so dequantized HF rows equal the rows of a
        // Q8_0 round trip of the HF-layout matrix.
        let c = ModelConfig(architecture: .llama, vocabSize: 40, hiddenSize: 64, intermediateSize: 64, numLayers: 1,
                            numHeads: 4, numKVHeads: 2, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = tinyWeights(c)
        try writeTinyGGUF(c, w, type: .q8_0, to: dir + "/q.gguf")
        let got = hfNamed(try loadModelWeights(path: dir + "/q.gguf").1)
        let q = w.first { $0.0 == "model.layers.0.self_attn.q_proj.weight" }!
        var want = [Float](repeating: 0, count: q.2.count)
        let bytes = try quantize(.q8_0, q.2)
        bytes.withUnsafeBytes { b in want.withUnsafeMutableBufferPointer { dequantizeReference(.q8_0, b.baseAddress!, into: $0.baseAddress!, count: q.2.count) } }
        XCTAssertEqual(got[q.0], want)
    }

    func testLoaderErrorsNameTheTensor() throws {
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var w = tinyWeights(tinyLlama)
        // Missing tensor.
        try writeTinyGGUF(tinyLlama, w.filter { $0.0 != "model.layers.1.mlp.up_proj.weight" }, to: dir + "/missing.gguf")
        assertSFTError(try loadModelWeights(path: dir + "/missing.gguf"), contains: "'blk.1.ffn_up.weight'", "missing", "missing.gguf")
        // Wrong shape.
        let i = w.firstIndex { $0.0 == "model.layers.0.mlp.down_proj.weight" }!
        w[i] = (w[i].0, [64, 32], w[i].2)
        try writeTinyGGUF(tinyLlama, w, to: dir + "/shape.gguf")
        assertSFTError(try loadModelWeights(path: dir + "/shape.gguf"), contains: "'blk.0.ffn_down.weight'", "[64, 32]", "[32, 64]")
        let hf = dir + "/hf"
        try FileManager.default.createDirectory(atPath: hf, withIntermediateDirectories: true)
        try writeTinyHF(tinyLlama, w, dir: hf)
        assertSFTError(try loadModelWeights(path: hf), contains: "'model.layers.0.mlp.down_proj.weight'", "[64, 32]", "[32, 64]")
        // Unsupported architecture.
        var g = GGUFWriter()
        g.add("general.architecture", .string("gpt2"))
        try g.write(to: dir + "/gpt2.gguf")
        assertSFTError(try loadModelWeights(path: dir + "/gpt2.gguf"), contains: "unsupported architecture 'gpt2'")
        assertSFTError(try ModelConfig.fromHFConfig(["architectures": ["GPT2LMHeadModel"]]), contains: "GPT2LMHeadModel")
        assertSFTError(try loadModelWeights(path: dir + "/nothing-here"), contains: "no such file")
    }

    func testHFConfigVariants() throws {
        let qwen: [String: Any] = ["architectures": ["Qwen2ForCausalLM"], "vocab_size": 151936, "hidden_size": 896,
            "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
            "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": true]
        let c = try ModelConfig.fromHFConfig(qwen)
        XCTAssertEqual(c.architecture, .qwen2); XCTAssertTrue(c.attentionBias); XCTAssertEqual(c.headDim, 64)
        XCTAssertEqual(c.ropeTheta, 1e6); XCTAssertTrue(c.tiedEmbeddings); XCTAssertEqual(c.numKVHeads, 2)
        // transformers 5 style: rope_parameters, architectures null.
        let v5: [String: Any] = ["architectures": NSNull(), "model_type": "llama", "vocab_size": 49152, "hidden_size": 576,
            "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
            "max_position_embeddings": 8192, "rope_parameters": ["rope_theta": 100000.0, "rope_type": "default"],
            "rms_norm_eps": 9.999999747378752e-06, "tie_word_embeddings": true, "head_dim": 64]
        XCTAssertEqual(try ModelConfig.fromHFConfig(v5), .smolLM2_135M)
        var scaled = v5
        scaled["rope_scaling"] = ["rope_type": "llama3", "factor": 8.0]
        assertSFTError(try ModelConfig.fromHFConfig(scaled), contains: "llama3")
        var broken = v5
        broken.removeValue(forKey: "hidden_size")
        assertSFTError(try ModelConfig.fromHFConfig(broken), contains: "hidden_size is missing")
        broken = v5
        broken["num_key_value_heads"] = 4
        assertSFTError(try ModelConfig.fromHFConfig(broken), contains: "num_key_value_heads")
        // Llama's attention_bias also biases o_proj, which sft does not have: refused, not silently dropped
        var biased = v5
        biased["attention_bias"] = true
        assertSFTError(try ModelConfig.fromHFConfig(biased), contains: "attention_bias = true is not supported for Llama")
        biased["attention_bias"] = false
        XCTAssertEqual(try ModelConfig.fromHFConfig(biased), .smolLM2_135M)
    }

    // MARK: the real model

    func testDefaultGGUFLoadsAsSmolLM2() throws {
        let path = try FormatsPaths.model()
        let m = try loadModel(path: path)
        FileHandle.standardError.write("load \(path): \(String(format: "%.0f", m.seconds * 1000)) ms\n".data(using: .utf8)!)
        XCTAssertEqual(m.config, .smolLM2_135M)
        // No time assertion: the machine is shared, so wall time is printed for reading, not checked.
        XCTAssertTrue(m.params.storage.pointer.allSatisfy(\.isFinite))
        let named = Dictionary(uniqueKeysWithValues: weightSlots(m.params).map { ($0.hfName, $0.view) })

        let data = try Data(contentsOf: URL(fileURLWithPath: FormatsPaths.fixture("smollm2-weights.json")))
        let fx = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tensors = try XCTUnwrap(fx["tensors"] as? [String: [String: [Double]]])
        var checked = 0
        for (name, rows) in tensors {
            let v = try XCTUnwrap(named[name], name)
            let layer = v.shape.count == 2 ? v : v
            for (r, want) in rows {
                let row = Int(r)!
                for (k, x) in want.enumerated() {
                    XCTAssertEqual(layer.ptr[row * layer.shape[1] + k], Float(x), accuracy: 1e-6, "\(name)[\(row), \(k)]")
                    checked += 1
                }
            }
        }
        for (name, want) in try XCTUnwrap(fx["vectors"] as? [String: [Double]]) {
            let v = try XCTUnwrap(named[name], name)
            for (k, x) in want.enumerated() { XCTAssertEqual(v.ptr[k], Float(x), accuracy: 1e-6, "\(name)[\(k)]"); checked += 1 }
        }
        XCTAssertGreaterThan(checked, 250)
    }

    func testHFDirectoryMatchesGGUF() throws {
        let hf = try FormatsPaths.hfModel()
        let gguf = try FormatsPaths.model()
        let a = try loadModel(path: gguf), b = try loadModel(path: hf)
        FileHandle.standardError.write("load HF dir: \(String(format: "%.0f", b.seconds * 1000)) ms\n".data(using: .utf8)!)
        XCTAssertEqual(a.config, b.config)
        XCTAssertEqual(a.params.count, b.params.count)
        var maxDiff: Float = 0
        for i in 0..<a.params.count { maxDiff = max(maxDiff, abs(a.params.storage.base[i] - b.params.storage.base[i])) }
        XCTAssertEqual(maxDiff, 0)
    }
}

final class FormatsSavingTests: XCTestCase {
    func testSaveAndReloadBothFormats() throws {
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let llama = ModelConfig(architecture: .llama, vocabSize: 40, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                                numHeads: 4, numKVHeads: 2, maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let qwen = ModelConfig(architecture: .qwen2, vocabSize: 40, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                               numHeads: 4, numKVHeads: 2, headDim: 16, maxPositions: 128, ropeTheta: 1e6, rmsNormEps: 1e-6, tiedEmbeddings: false)
        for c in [llama, qwen] {
            let a = c.architecture.rawValue
            try writeTinyGGUF(c, tinyWeights(c), to: dir + "/\(a).gguf")
            let m = try loadModel(path: dir + "/\(a).gguf")
            let want = hfNamed(m.params)
            try saveGGUF(m.params, to: dir + "/\(a)-out.gguf", type: .f32, extraMetadata: [("tokenizer.ggml.model", .string("gpt2"))])
            let back = try loadModel(path: dir + "/\(a)-out.gguf")
            XCTAssertEqual(back.config, c)
            XCTAssertEqual(hfNamed(back.params), want, a)
            if case .gguf(let g) = back.source { XCTAssertEqual(g.string("tokenizer.ggml.model"), "gpt2") }
            // The saved GGUF holds llama's permuted q rows, as llama.cpp expects.
            let orig = try GGUFFile(path: dir + "/\(a).gguf"), out = try GGUFFile(path: dir + "/\(a)-out.gguf")
            XCTAssertEqual(try out.floats("blk.1.attn_q.weight"), try orig.floats("blk.1.attn_q.weight"))
            try saveHFWeights(m.params, directory: dir + "/\(a)-hf")
            let hf = try loadModel(path: dir + "/\(a)-hf")
            XCTAssertEqual(hf.config, c)
            XCTAssertEqual(hfNamed(hf.params), want, a)
        }
    }
}
