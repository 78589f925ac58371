// Gemma 3 in the files sft writes: config.json for transformers' Gemma3ForCausalLM (keys transformers 4.5x and 5
// both read), and the GGUF keys llama.cpp's converter writes for it. llama.cpp fixes what its GGUF does not store
// (every 6th layer full, sliding RoPE base 10000, scale 1/sqrt(head_dim)), so a model that differs is refused
// rather than written into a file llama.cpp would run differently.
import Foundation

extension ModelConfig {
    /// config.json for Gemma3ForCausalLM.
    var gemma3HFConfigJSON: [String: Any] {
        let types = (slidingLayers ?? []).map { $0 ? "sliding_attention" : "full_attention" }
        return [
            "architectures": [architecture.hfClassName], "model_type": "gemma3_text", "vocab_size": vocabSize,
            "hidden_size": hiddenSize, "intermediate_size": intermediateSize, "num_hidden_layers": numLayers,
            "num_attention_heads": numHeads, "num_key_value_heads": numKVHeads, "head_dim": headDim,
            "max_position_embeddings": maxPositions, "rope_theta": Self.sourceDouble(ropeTheta),
            "rope_local_base_freq": Self.sourceDouble(ropeLocalTheta ?? 10000), "rope_scaling": NSNull(),
            "rms_norm_eps": Self.sourceDouble(rmsNormEps), "tie_word_embeddings": tiedEmbeddings,
            "hidden_activation": "gelu_pytorch_tanh", "query_pre_attn_scalar": Self.sourceDouble(queryPreAttnScalar ?? Float(headDim)),
            "sliding_window": slidingWindow ?? 4096, "layer_types": types, "attention_bias": false,
            "final_logit_softcapping": NSNull(), "attn_logit_softcapping": NSNull(), "torch_dtype": "float32",
        ]
    }

    /// The gemma3 keys beyond the shared ones (ggufMetadata): the window, and head sizes when the shared list
    /// left them out (llama.cpp's converter always writes them).
    var gemma3GGUFMetadata: [(String, GGUFValue)] {
        var m: [(String, GGUFValue)] = [("gemma3.attention.sliding_window", .uint32(UInt32(slidingWindow ?? 4096)))]
        if headDim == hiddenSize / numHeads {
            m += [("gemma3.attention.key_length", .uint32(UInt32(headDim))), ("gemma3.attention.value_length", .uint32(UInt32(headDim)))]
        }
        return m
    }

    /// Throws when llama.cpp would run this model differently from its config (the GGUF cannot say so).
    func checkGemma3GGUFExport() throws {
        let hint = "llama.cpp assumes every 6th Gemma 3 layer is full attention, sliding RoPE base 10000 and query_pre_attn_scalar = head_dim; export peft or merged instead"
        if slidingLayers != Self.gemma3SlidingLayers(count: numLayers, pattern: Self.gemma3LlamaCppPattern) {
            throw SFTError("this gemma3 model's layer types differ from llama.cpp's fixed pattern", hint: hint)
        }
        if ropeLocalTheta != Self.gemma3LlamaCppLocalTheta {
            throw SFTError("this gemma3 model's sliding RoPE base \(ropeLocalTheta ?? 0) differs from llama.cpp's 10000", hint: hint)
        }
        let scalar = numLayers == 62 ? hiddenSize / numHeads : headDim
        if queryPreAttnScalar != Float(scalar) {
            throw SFTError("this gemma3 model's query_pre_attn_scalar \(queryPreAttnScalar ?? 0) differs from the \(scalar) llama.cpp uses", hint: hint)
        }
    }
}
