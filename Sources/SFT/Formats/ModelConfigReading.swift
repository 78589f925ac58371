// ModelConfig from the two places a model describes itself: Hugging Face config.json (LlamaForCausalLM,
// Qwen2ForCausalLM, Qwen3ForCausalLM; transformers 4 `rope_theta` or transformers 5 `rope_parameters`) and GGUF
// metadata (`general.architecture` = llama, qwen2 or qwen3, `<arch>.*` keys); Gemma 3 in both is read by
// ModelConfigReadingGemma3.swift. Anything else is a clear error, as is RoPE scaling other than Llama-3's
// `llama3` (RoPEScalingReading.swift).
import Foundation

extension ModelConfig {
    /// Reads `config.json` at `path` (a file, or a directory holding it).
    public static func fromHFConfig(path: String) throws -> ModelConfig {
        var isDir: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue ? path + "/config.json" : path
        let data = try RegularFile.read(file, limit: 1 << 20, what: "config.json")
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SFTError("config.json is not a JSON object", file: file)
        }
        return try fromHFConfig(obj, file: file)
    }

    public static func fromHFConfig(_ j: [String: Any], file: String = "config.json") throws -> ModelConfig {
        func bad(_ m: String, _ hint: String = "check config.json") -> SFTError { SFTError(m, hint: hint, file: file) }
        func int(_ k: String) throws -> Int? {
            guard let v = j[k], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { throw bad("\(k) = \(v) is not an integer") }
            return i
        }
        func req(_ k: String) throws -> Int {
            guard let v = try int(k) else { throw bad("\(k) is missing") }
            return v
        }
        func num(_ v: Any?, _ k: String) throws -> Double? {
            guard let v, !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber else { throw bad("\(k) = \(v) is not a number") }
            return n.doubleValue
        }
        let archs = (j["architectures"] as? [String]) ?? []
        let modelType = j["model_type"] as? String
        let arch: Architecture
        if archs.contains("LlamaForCausalLM") || (archs.isEmpty && modelType == "llama") { arch = .llama }
        else if archs.contains("Qwen2ForCausalLM") || (archs.isEmpty && modelType == "qwen2") { arch = .qwen2 }
        else if archs.contains("Qwen3ForCausalLM") || (archs.isEmpty && modelType == "qwen3") { arch = .qwen3 }
        else if archs.contains("Gemma3ForCausalLM") || archs.contains("Gemma3ForConditionalGeneration")
                    || (archs.isEmpty && (modelType == "gemma3_text" || modelType == "gemma3")) {
            return try gemma3FromHFConfig(j, file: file)   // ModelConfigReadingGemma3.swift
        }
        else {
            throw bad("unsupported architecture \(archs.first ?? modelType ?? "(none given)")",
                      "sft runs LlamaForCausalLM (Llama, SmolLM2, TinyLlama, Llama-3.x), Qwen2ForCausalLM, Qwen3ForCausalLM and Gemma3ForCausalLM models")
        }
        if let b = j["mlp_bias"] as? Bool, b { throw bad("mlp_bias = true is not supported") }
        // Llama's attention_bias puts a bias on o_proj too (Qwen2 has q/k/v biases only); sft has no o_proj bias,
        // so such a model would load and silently compute without it
        if arch == .llama || arch == .qwen3, let b = j["attention_bias"] as? Bool, b {
            throw bad("attention_bias = true is not supported for \(arch == .llama ? "Llama" : "Qwen3") (its o_proj bias has no place in sft)",
                      "sft runs Llama and Qwen3 models without attention biases and Qwen2 models (q/k/v biases)")
        }
        // Qwen3's sliding window would change which keys each layer attends to; sft attends to the whole context
        if arch == .qwen3, let w = j["use_sliding_window"] as? Bool, w {
            throw bad("use_sliding_window = true is not supported for Qwen3", "sft runs Qwen3 models with full attention in every layer (the released ones)")
        }
        if let act = j["hidden_act"] as? String, act != "silu" { throw bad("hidden_act '\(act)' is not supported (only silu)") }
        let ropeParams = j["rope_parameters"] as? [String: Any]
        let scaling = (j["rope_scaling"] as? [String: Any]) ?? ropeParams
        let ropeScaling = try RoPEScaling.fromHFConfig(scaling, top: j, file: file)
        let heads = try req("num_attention_heads")
        let theta = try num(j["rope_theta"], "rope_theta") ?? num(ropeParams?["rope_theta"], "rope_theta") ?? 10000
        let c = ModelConfig(
            architecture: arch, vocabSize: try req("vocab_size"), hiddenSize: try req("hidden_size"),
            intermediateSize: try req("intermediate_size"), numLayers: try req("num_hidden_layers"),
            numHeads: heads, numKVHeads: try int("num_key_value_heads") ?? heads, headDim: try int("head_dim"),
            maxPositions: try int("max_position_embeddings") ?? (arch == .qwen2 ? 32768 : arch == .qwen3 ? 40960 : 2048),
            ropeTheta: Float(theta), rmsNormEps: Float(try num(j["rms_norm_eps"], "rms_norm_eps") ?? 1e-6),
            tiedEmbeddings: (j["tie_word_embeddings"] as? Bool) ?? false,
            attentionBias: arch == .qwen2 ? true : ((j["attention_bias"] as? Bool) ?? false), ropeScaling: ropeScaling)
        do { try c.validate() } catch var e as SFTError { e.file = file; throw e }
        try MemoryBudget.require(try c.loadBytes(), for: "this model", file: file)
        return c
    }

    /// Reads the shape from GGUF metadata; tensor names fill in vocab size, tying and q/k/v biases.
    public static func fromGGUF(_ g: GGUFFile) throws -> ModelConfig {
        let a = try g.requireString("general.architecture")
        guard let arch = Architecture(rawValue: a) else {
            throw SFTError("unsupported architecture '\(a)'", hint: "sft runs llama (Llama, SmolLM2, TinyLlama, Llama-3.x), qwen2, qwen3 and gemma3 GGUF models", file: g.path)
        }
        if arch == .gemma3 { return try gemma3FromGGUF(g) }   // ModelConfigReadingGemma3.swift
        if g.tensors["blk.0.attn_output.bias"] != nil {
            throw SFTError("attn_output.bias is not supported (an attention output bias has no place in sft)",
                           hint: "sft runs Llama models without attention biases and Qwen2 models (q/k/v biases)", file: g.path)
        }
        let heads = try g.requireInt("\(a).attention.head_count")
        let hidden = try g.requireInt("\(a).embedding_length")
        let headDim = g.int("\(a).attention.key_length"), theta = Float(g.float("\(a).rope.freq_base") ?? 10000)
        let ropeScaling = try RoPEScaling.fromGGUF(g, architecture: a, headDim: headDim ?? (heads > 0 ? hidden / heads : 0), theta: theta)
        var vocab = g.tensors["token_embd.weight"].map { $0.dims.count == 2 ? $0.dims[1] : 0 } ?? 0
        if vocab == 0 { vocab = g.int("\(a).vocab_size") ?? g.array("tokenizer.ggml.tokens")?.count ?? 0 }
        let c = ModelConfig(
            architecture: arch, vocabSize: vocab, hiddenSize: hidden,
            intermediateSize: try g.requireInt("\(a).feed_forward_length"), numLayers: try g.requireInt("\(a).block_count"),
            numHeads: heads, numKVHeads: g.int("\(a).attention.head_count_kv") ?? heads,
            headDim: headDim,
            maxPositions: g.int("\(a).context_length") ?? 2048,
            ropeTheta: theta,
            rmsNormEps: Float(try g.requireFloat("\(a).attention.layer_norm_rms_epsilon")),
            tiedEmbeddings: g.tensors["output.weight"] == nil,
            attentionBias: arch == .qwen2 || g.tensors["blk.0.attn_q.bias"] != nil, ropeScaling: ropeScaling)
        do { try c.validate() } catch var e as SFTError { e.file = g.path; throw e }
        try MemoryBudget.require(try c.loadBytes(), for: "this model", file: g.path)
        return c
    }
}
