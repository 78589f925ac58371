// Gemma 3's extra shape: which layers slide and how far, the attention scale and the sliding layers' RoPE base.
// HF Gemma3TextConfig names: sliding_window, layer_types (or sliding_window_pattern), query_pre_attn_scalar,
// rope_local_base_freq. The loaders (Formats/ModelConfigReading*.swift) fill these after ModelConfig.init.

extension ModelConfig {
    /// HF's default layer pattern: every `pattern`-th layer is full attention, the rest slide
    /// (Gemma3TextConfig: `(i + 1) % sliding_window_pattern != 0` slides).
    public static func gemma3SlidingLayers(count: Int, pattern: Int) -> [Bool] {
        (0..<count).map { pattern <= 0 ? false : ($0 + 1) % pattern != 0 }
    }

    /// The sliding window of layer l, 0 for a full-attention layer (or any non-Gemma model).
    public func window(layer l: Int) -> Int {
        guard architecture == .gemma3, let s = slidingLayers, l < s.count, s[l] else { return 0 }
        return slidingWindow ?? 0
    }

    /// The score scale: query_pre_attn_scalar^-1/2 for Gemma 3, HS^-1/2 otherwise.
    public var attentionScale: Float {
        1 / (queryPreAttnScalar ?? Float(headDim)).squareRoot()
    }

    func validateGemma3() throws {
        func bad(_ what: String) -> SFTError { SFTError("model config: \(what)", hint: "check config.json / GGUF metadata") }
        guard let layers = slidingLayers, layers.count == numLayers else {
            throw bad("gemma3 needs one layer type per layer (\(numLayers)), got \(slidingLayers?.count ?? 0)")
        }
        if layers.contains(true) {
            guard let w = slidingWindow, w > 0, w <= 1 << 20 else { throw bad("sliding_window \(slidingWindow ?? 0) is out of range (1 to \(1 << 20))") }
        }
        guard let s = queryPreAttnScalar, s > 0, s.isFinite else { throw bad("query_pre_attn_scalar \(queryPreAttnScalar ?? 0) must be positive") }
        guard let t = ropeLocalTheta, t > 0, t.isFinite else { throw bad("rope_local_base_freq \(ropeLocalTheta ?? 0) must be positive") }
        // the loaders refuse Gemma's rope_scaling by name; a hand-made config must not slip it past the RoPE tables
        if ropeScaling != nil { throw bad("gemma3 with RoPE scaling is not supported") }
    }
}
