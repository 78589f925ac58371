// ParameterTensors: every weight of the model as a View into one FloatBuffer (llm.c's ParameterTensors).
// The same layout serves parameters, their gradients and the two AdamW moments, so each is one flat buffer.
// Linear weights use the PyTorch/HF orientation (out, in); q and k rows are in HF's rotate-half RoPE order
// (the GGUF loader un-permutes llama's interleaved pairs), so every format loads into the same numbers.

public struct ParameterTensors: @unchecked Sendable {
    public let config: ModelConfig
    public let storage: FloatBuffer
    public let tokenEmbedding: View   // (V, C)
    public let attnNorm: View         // (L, C)
    public let wq: View               // (L, NH*HS, C)
    public let wk: View               // (L, NKV*HS, C)
    public let wv: View               // (L, NKV*HS, C)
    public let bq: View?              // (L, NH*HS)   Qwen2 only
    public let bk: View?              // (L, NKV*HS)  Qwen2 only
    public let bv: View?              // (L, NKV*HS)  Qwen2 only
    public let wo: View               // (L, C, NH*HS)
    public let mlpNorm: View          // (L, C)
    public let wGate: View            // (L, FF, C)
    public let wUp: View              // (L, FF, C)
    public let wDown: View            // (L, C, FF)
    public let finalNorm: View        // (C)
    public let lmHead: View           // (V, C); the same memory as tokenEmbedding when tied
    // carved after everything above: per-head q/k norms (Qwen3 and Gemma 3), then Gemma 3's two extra norms;
    // every Gemma norm scales by (1 + w) (attnNorm is input_layernorm, mlpNorm pre_feedforward_layernorm there)
    public let qNorm: View?           // (L, HS)  q_norm, one per layer shared by the heads (Qwen3, Gemma 3)
    public let kNorm: View?           // (L, HS)  k_norm (Qwen3, Gemma 3)
    public let postAttnNorm: View?    // (L, C)   Gemma 3 only: post_attention_layernorm, on the attention output
    public let postFFNorm: View?      // (L, C)   Gemma 3 only: post_feedforward_layernorm, on the MLP output

    /// Allocates zeroed parameters for `config`.
    public init(config: ModelConfig) {
        var counter = Carver(counting: ())
        _ = Self.carve(config, &counter)
        _ = Self.carveGemma3(config, &counter)
        let storage = FloatBuffer(count: counter.used)
        var carver = Carver(storage)
        let v = Self.carve(config, &carver)
        self.config = config
        self.storage = storage
        (tokenEmbedding, attnNorm, wq, wk, wv, bq, bk, bv, wo, mlpNorm, wGate, wUp, wDown, finalNorm) =
            (v.0, v.1, v.2, v.3, v.4, v.5, v.6, v.7, v.8, v.9, v.10, v.11, v.12, v.13)
        lmHead = v.14 ?? v.0
        (qNorm, kNorm) = (v.15, v.16)
        (postAttnNorm, postFFNorm) = Self.carveGemma3(config, &carver)
    }

    /// Every view with its GGUF/HF-neutral name, in storage order; lmHead omitted when tied.
    public var named: [(String, View)] {
        var out: [(String, View)] = [("token_embedding", tokenEmbedding), ("attn_norm", attnNorm), ("wq", wq), ("wk", wk), ("wv", wv)]
        if let bq, let bk, let bv { out += [("bq", bq), ("bk", bk), ("bv", bv)] }
        out += [("wo", wo), ("mlp_norm", mlpNorm), ("w_gate", wGate), ("w_up", wUp), ("w_down", wDown), ("final_norm", finalNorm)]
        if !config.tiedEmbeddings { out.append(("lm_head", lmHead)) }
        if let qNorm, let kNorm { out += [("q_norm", qNorm), ("k_norm", kNorm)] }
        if let postAttnNorm, let postFFNorm { out += [("post_attn_norm", postAttnNorm), ("post_ffn_norm", postFFNorm)] }
        return out
    }

    public var count: Int { storage.count }

    /// Offsets (in `storage`) of the norm weights and biases, which HF's Trainer leaves out of weight decay.
    public var noDecayRanges: [Range<Int>] {
        named.filter { $0.0.hasSuffix("norm") || $0.0.hasPrefix("b") }.map { name, v in
            let o = v.ptr - storage.base
            return o..<(o + v.count)
        }
    }

    private static func carve(_ c: ModelConfig, _ k: inout Carver)
        -> (View, View, View, View, View, View?, View?, View?, View, View, View, View, View, View, View?, View?, View?) {
        let (V, C, L, Q, KV, FF) = (c.vocabSize, c.hiddenSize, c.numLayers, c.qDim, c.kvDim, c.intermediateSize)
        let emb = k.take([V, C])
        let an = k.take([L, C])
        let wq = k.take([L, Q, C]), wk = k.take([L, KV, C]), wv = k.take([L, KV, C])
        let bq = c.attentionBias ? k.take([L, Q]) : nil
        let bk = c.attentionBias ? k.take([L, KV]) : nil
        let bv = c.attentionBias ? k.take([L, KV]) : nil
        let wo = k.take([L, C, Q])
        let mn = k.take([L, C])
        let wg = k.take([L, FF, C]), wu = k.take([L, FF, C]), wd = k.take([L, C, FF])
        let fn = k.take([C])
        let head = c.tiedEmbeddings ? nil : k.take([V, C])
        let qn = c.qkNorm ? k.take([L, c.headDim]) : nil, kn = c.qkNorm ? k.take([L, c.headDim]) : nil
        return (emb, an, wq, wk, wv, bq, bk, bv, wo, mn, wg, wu, wd, fn, head, qn, kn)
    }

    /// Gemma 3's post-attention and post-feed-forward norms, after the q/k norms.
    private static func carveGemma3(_ c: ModelConfig, _ k: inout Carver) -> (View?, View?) {
        guard c.architecture == .gemma3 else { return (nil, nil) }
        return (k.take([c.numLayers, c.hiddenSize]), k.take([c.numLayers, c.hiddenSize]))
    }
}
