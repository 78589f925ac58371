// ModelConfig for Gemma 3 text models from HF config.json (Gemma3ForCausalLM / model_type gemma3_text, in both
// transformers 4's keys `rope_theta`, `rope_local_base_freq`, `sliding_window_pattern` and transformers 5's
// `rope_parameters` per layer type and `layer_types`) and from GGUF (`general.architecture` = gemma3, with
// what llama.cpp assumes for the keys it does not store: every 6th layer full, the sliding layers' RoPE base
// 10000, the attention scale 1/sqrt(head_dim), or 1/sqrt(C/NH) for the 62-layer 27B). Everything the model code
// does not implement (logit soft-capping, RoPE scaling, bidirectional attention, biases, the multimodal
// Gemma3ForConditionalGeneration) is refused by name, never run wrong.
import Foundation

extension ModelConfig {
    /// llama.cpp's fixed Gemma 3 layer pattern and local RoPE base (llama_load_hparams_gemma3).
    static let gemma3LlamaCppPattern = 6
    static let gemma3LlamaCppLocalTheta: Float = 10000

    static func gemma3FromHFConfig(_ j: [String: Any], file: String) throws -> ModelConfig {
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
        /// A number in a nested dictionary (rope_parameters per layer type); nil when the dictionary is absent.
        func number(_ k: String, in d: [String: Any]?) throws -> Double? {
            guard let v = d?[k], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber else { throw bad("\(k) = \(v) is not a number") }
            return n.doubleValue
        }
        func num(_ k: String) throws -> Double? { try number(k, in: j) }
        let archs = (j["architectures"] as? [String]) ?? []
        if archs.contains("Gemma3ForConditionalGeneration") || j["text_config"] != nil {
            throw bad("Gemma3ForConditionalGeneration (Gemma 3 with vision) is not supported",
                      "sft runs the text-only Gemma3ForCausalLM models (Gemma-3-270M, Gemma-3-1B)")
        }
        let supported = "sft runs Gemma 3 text models as Google ships them (no soft-capping, no RoPE scaling, causal attention)"
        if let b = j["attention_bias"] as? Bool, b { throw bad("attention_bias = true is not supported for gemma3", supported) }
        if let b = j["use_bidirectional_attention"] as? Bool, b { throw bad("use_bidirectional_attention = true (EmbeddingGemma) is not supported", supported) }
        let act = (j["hidden_activation"] ?? j["hidden_act"]) as? String ?? "gelu_pytorch_tanh"
        if act != "gelu_pytorch_tanh" { throw bad("hidden_activation '\(act)' is not supported (only gelu_pytorch_tanh)", supported) }
        for k in ["final_logit_softcapping", "attn_logit_softcapping"] {
            if let v = try num(k) { throw bad("\(k) = \(v) is not supported (sft has no soft-capping)", supported) }
        }
        // RoPE: transformers 5 nests the parameters per layer type; transformers 4 has flat keys
        let params = j["rope_parameters"] as? [String: Any]
        let fullRope = params?["full_attention"] as? [String: Any], slidingRope = params?["sliding_attention"] as? [String: Any]
        for (what, s) in [("rope_scaling", j["rope_scaling"] as? [String: Any]), ("full_attention RoPE", fullRope), ("sliding_attention RoPE", slidingRope)] {
            if let s, let t = (s["rope_type"] ?? s["type"]) as? String, t != "default" {
                throw bad("RoPE scaling '\(t)' (\(what)) is not supported for gemma3", "use a Gemma 3 model without rope_scaling (270M, 1B)")
            }
        }
        let theta = try number("rope_theta", in: fullRope) ?? num("rope_theta") ?? 1_000_000
        let localTheta = try number("rope_theta", in: slidingRope) ?? num("rope_local_base_freq") ?? 10000
        let layers = try req("num_hidden_layers")
        let sliding: [Bool]
        if let types = j["layer_types"] {
            guard let names = types as? [String], names.count == layers else {
                throw bad("layer_types must list one type per layer (\(layers))")
            }
            sliding = try names.map { (name: String) throws -> Bool in
                switch name {
                case "sliding_attention": return true
                case "full_attention": return false
                default: throw bad("layer type '\(name)' is not supported", "gemma3 layers are sliding_attention or full_attention")
                }
            }
        } else {
            let pattern = try int("sliding_window_pattern") ?? int("_sliding_window_pattern") ?? 6
            sliding = gemma3SlidingLayers(count: min(max(layers, 0), 1 << 10), pattern: pattern)
        }
        let window: Int? = try j.keys.contains("sliding_window") ? int("sliding_window") : 4096   // HF's default when absent
        let heads = try req("num_attention_heads")
        var c = ModelConfig(
            architecture: .gemma3, vocabSize: try req("vocab_size"), hiddenSize: try req("hidden_size"),
            intermediateSize: try req("intermediate_size"), numLayers: layers, numHeads: heads,
            numKVHeads: try int("num_key_value_heads") ?? 4, headDim: try int("head_dim") ?? 256,
            maxPositions: try int("max_position_embeddings") ?? 131_072, ropeTheta: Float(theta),
            rmsNormEps: Float(try num("rms_norm_eps") ?? 1e-6), tiedEmbeddings: (j["tie_word_embeddings"] as? Bool) ?? true,
            attentionBias: false)
        c.slidingLayers = sliding
        c.slidingWindow = window
        c.queryPreAttnScalar = Float(try num("query_pre_attn_scalar") ?? 256)
        c.ropeLocalTheta = Float(localTheta)
        do { try c.validate() } catch var e as SFTError { e.file = file; throw e }
        try MemoryBudget.require(try c.loadBytes(), for: "this model", file: file)
        return c
    }

    static func gemma3FromGGUF(_ g: GGUFFile) throws -> ModelConfig {
        let a = "gemma3"
        func bad(_ m: String, _ hint: String = "check the GGUF metadata") -> SFTError { SFTError(m, hint: hint, file: g.path) }
        if let t = g.string("\(a).rope.scaling.type"), t != "none" {
            throw bad("RoPE scaling '\(t)' is not supported for gemma3", "use a Gemma 3 model without rope scaling (270M, 1B)")
        }
        if g.float("\(a).final_logit_softcapping") != nil || g.float("\(a).attn_logit_softcapping") != nil {
            throw bad("logit soft-capping is not supported for gemma3")
        }
        let heads = try g.requireInt("\(a).attention.head_count")
        let hidden = try g.requireInt("\(a).embedding_length")
        let layers = try g.requireInt("\(a).block_count")
        let headDim = g.int("\(a).attention.key_length") ?? 256
        if let vl = g.int("\(a).attention.value_length"), vl != headDim {
            throw bad("attention.value_length \(vl) differs from key_length \(headDim)")
        }
        var vocab = g.tensors["token_embd.weight"].map { $0.dims.count == 2 ? $0.dims[1] : 0 } ?? 0
        if vocab == 0 { vocab = g.int("\(a).vocab_size") ?? g.array("tokenizer.ggml.tokens")?.count ?? 0 }
        var c = ModelConfig(
            architecture: .gemma3, vocabSize: vocab, hiddenSize: hidden,
            intermediateSize: try g.requireInt("\(a).feed_forward_length"), numLayers: layers,
            numHeads: heads, numKVHeads: g.int("\(a).attention.head_count_kv") ?? heads, headDim: headDim,
            maxPositions: g.int("\(a).context_length") ?? 131_072,
            ropeTheta: Float(g.float("\(a).rope.freq_base") ?? 1_000_000),
            rmsNormEps: Float(try g.requireFloat("\(a).attention.layer_norm_rms_epsilon")),
            tiedEmbeddings: g.tensors["output.weight"] == nil, attentionBias: false)
        c.slidingLayers = gemma3SlidingLayers(count: min(max(layers, 0), 1 << 10), pattern: gemma3LlamaCppPattern)
        c.slidingWindow = try g.requireInt("\(a).attention.sliding_window")
        // llama.cpp: 1/sqrt(n_embd / n_head) for the 27B (62 layers), else 1/sqrt(head_dim)
        c.queryPreAttnScalar = Float(layers == 62 && heads > 0 ? hidden / heads : headDim)
        c.ropeLocalTheta = Float(g.float("\(a).rope.freq_base_swa") ?? Double(gemma3LlamaCppLocalTheta))
        do { try c.validate() } catch var e as SFTError { e.file = g.path; throw e }
        try MemoryBudget.require(try c.loadBytes(), for: "this model", file: g.path)
        return c
    }
}
