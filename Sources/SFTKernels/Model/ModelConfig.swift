// ModelConfig: the shape of a decoder-only transformer of the Llama family (Llama, SmolLM2, TinyLlama,
// Llama-3.x, Qwen2/2.5, Qwen3, Gemma 3 text). Filled from GGUF metadata or HF config.json by the loaders in Formats/.
// Sizes use llm.c's short names in comments: V vocab, C hidden, L layers, NH heads, NKV kv heads,
// HS head size, FF intermediate.

public enum Architecture: String, Codable, Sendable {
    case llama   // Llama, SmolLM2, TinyLlama, Llama-3: no attention biases
    case qwen2   // Qwen2 / Qwen2.5: biases on q, k, v
    case gemma3  // Gemma 3 text: (1 + w) norms, four per block, GeGLU, QK-norm, sliding-window layers (ModelConfigGemma3.swift)
    case qwen3   // Qwen3: RMSNorm per head on q and k before RoPE (q_norm, k_norm), no biases
}

extension Architecture {
    /// The transformers class config.json names in `architectures`.
    public var hfClassName: String {
        switch self {
        case .llama: "LlamaForCausalLM"
        case .qwen2: "Qwen2ForCausalLM"
        case .qwen3: "Qwen3ForCausalLM"
        case .gemma3: "Gemma3ForCausalLM"
        }
    }
}

public struct ModelConfig: Codable, Equatable, Sendable {
    public var architecture: Architecture
    public var vocabSize: Int          // V
    public var hiddenSize: Int         // C
    public var intermediateSize: Int   // FF
    public var numLayers: Int          // L
    public var numHeads: Int           // NH
    public var numKVHeads: Int         // NKV (GQA: NH % NKV == 0)
    public var headDim: Int            // HS (usually C / NH)
    public var maxPositions: Int       // context length the model was trained for
    public var ropeTheta: Float
    public var rmsNormEps: Float
    public var tiedEmbeddings: Bool    // lm_head shares token_embedding
    public var attentionBias: Bool     // q/k/v biases (Qwen2)
    public var ropeScaling: RoPEScaling?   // Llama-3.1/3.2 `llama3` frequency scaling; nil: plain RoPE
    // Gemma 3 only (nil for the others; set after init by the loaders, see ModelConfigGemma3.swift)
    public var queryPreAttnScalar: Float? = nil   // attention scale is queryPreAttnScalar^-1/2
    public var slidingWindow: Int? = nil          // W: a sliding layer's query sees its last W positions
    public var slidingLayers: [Bool]? = nil       // (L) true for sliding_attention, false for full_attention
    public var ropeLocalTheta: Float? = nil       // RoPE base of the sliding layers (rope_local_base_freq)

    public init(architecture: Architecture, vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numLayers: Int,
                numHeads: Int, numKVHeads: Int, headDim: Int? = nil, maxPositions: Int, ropeTheta: Float,
                rmsNormEps: Float, tiedEmbeddings: Bool, attentionBias: Bool? = nil, ropeScaling: RoPEScaling? = nil) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKVHeads = numKVHeads
        self.headDim = headDim ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        self.maxPositions = maxPositions
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias ?? (architecture == .qwen2)
        self.ropeScaling = ropeScaling
    }

    /// q and k go through an RMSNorm per head (weights q_norm, k_norm of HS) between projection and RoPE
    /// (Gemma 3 scales by 1 + w there, as in all its norms).
    public var qkNorm: Bool { architecture == .qwen3 || architecture == .gemma3 }

    public var qDim: Int { numHeads * headDim }      // NH*HS
    public var kvDim: Int { numKVHeads * headDim }   // NKV*HS

    /// Largest values we accept for each size: several times the largest Llama/Qwen2 models, far below what
    /// would make products of sizes overflow. A file asking for more is damaged or hostile.
    public static let limits: [(name: String, max: Int)] = [
        ("vocab_size", 1 << 20), ("hidden_size", 1 << 16), ("intermediate_size", 1 << 18),
        ("num_hidden_layers", 1 << 10), ("num_attention_heads", 1 << 10), ("num_key_value_heads", 1 << 10),
        ("head_dim", 1 << 10), ("max_position_embeddings", 1 << 20)]

    /// Checks the numbers make a model we can run; the message names the field and why.
    public func validate() throws {
        func bad(_ what: String) -> SFTError { SFTError("model config: \(what)", hint: "check config.json / GGUF metadata") }
        let values = [vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKVHeads, headDim, maxPositions]
        for ((name, limit), v) in zip(Self.limits, values) where v <= 0 || v > limit {
            throw bad("\(name) = \(v) is out of range (1 to \(limit))")
        }
        if numHeads % numKVHeads != 0 { throw bad("num_attention_heads \(numHeads) is not a multiple of num_key_value_heads \(numKVHeads)") }
        if headDim % 2 != 0 { throw bad("head_dim \(headDim) must be even for RoPE") }
        if !(ropeTheta > 0) { throw bad("rope_theta \(ropeTheta) must be positive") }
        if !(rmsNormEps > 0) { throw bad("rms_norm_eps \(rmsNormEps) must be positive") }
        try ropeScaling?.validate(headDim: headDim)
        if architecture == .gemma3 { try validateGemma3() }
        _ = try parameterCount()
    }

    /// Number of fp32 parameters (the ParameterTensors layout), every product overflow-checked.
    public func parameterCount() throws -> Int {
        func mul(_ xs: Int...) throws -> Int {
            try xs.reduce(1) { a, b in
                let (r, o) = a.multipliedReportingOverflow(by: b)
                if o || r > 1 << 40 { throw SFTError("model config: sizes multiply past any machine (\(xs.map(String.init).joined(separator: " x ")))",
                                                     hint: "check config.json / GGUF metadata") }
                return r
            }
        }
        let (V, C, L, FF) = (vocabSize, hiddenSize, numLayers, intermediateSize)
        let Q = try mul(numHeads, headDim), KV = try mul(numKVHeads, headDim)
        var perLayer = try mul(2, C) + mul(Q, C) + mul(2, KV, C) + mul(C, Q) + mul(3, FF, C)
        if attentionBias { perLayer += Q + 2 * KV }
        if qkNorm { perLayer += 2 * headDim }
        if architecture == .gemma3 { perLayer += try mul(2, C) }   // post-attention/feed-forward norms
        return try mul(V, C) * (tiedEmbeddings ? 1 : 2) + mul(L, perLayer) + C
    }

    /// Bytes the fp32 weights and the RoPE table take once loaded (what `loadModel` must be able to allocate).
    public func loadBytes() throws -> Int {
        try parameterCount() * 4 + maxPositions * headDim * 4 * (architecture == .gemma3 ? 2 : 1)   // Gemma: a local RoPE table too
    }

    /// SmolLM2-135M's shape, for tests and benchmarks that need the real size without the file.
    public static let smolLM2_135M = ModelConfig(
        architecture: .llama, vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9,
        numKVHeads: 3, maxPositions: 8192, ropeTheta: 100000, rmsNormEps: 1e-5, tiedEmbeddings: true)
}
