// Gemma 3's names in the weight-slot table (ModelLoader.weightSlots): the shared views keep their llama names
// except `mlpNorm`, which Gemma calls pre_feedforward_layernorm (GGUF ffn_norm either way); q_norm and k_norm
// are in the shared table (Qwen3 has them too) and the two Gemma-only norms are added per layer. GGUF names are llama.cpp's (gguf-py MODEL_TENSORS[GEMMA3]).
// llama.cpp's converter stores every Gemma 3 norm weight as 1 + w (its kernels scale by the weight itself);
// `gemma3GGUFNormShift` says which slots carry that shift, so loading subtracts it and saving adds it back.

/// The slot table with Gemma 3's names (call only for gemma3 params).
func gemma3WeightSlots(_ params: ParameterTensors, base: [WeightSlot]) -> [WeightSlot] {
    let c = params.config
    let C = c.hiddenSize
    var s = base.map { slot -> WeightSlot in
        guard slot.hfName.hasSuffix(".post_attention_layernorm.weight") else { return slot }
        return WeightSlot(view: slot.view, hfName: slot.hfName.replacingOccurrences(of: "post_attention_layernorm", with: "pre_feedforward_layernorm"),
                          ggufName: slot.ggufName, shape: slot.shape, ropeHeads: nil)
    }
    guard let pa = params.postAttnNorm, let pf = params.postFFNorm else { return s }
    for l in 0..<c.numLayers {
        let hf = "model.layers.\(l).", gg = "blk.\(l)."
        func add(_ v: View, _ h: String, _ g: String, _ shape: [Int]) {
            s.append(WeightSlot(view: v.slice(l), hfName: hf + h, ggufName: gg + g, shape: shape, ropeHeads: nil))
        }
        add(pa, "post_attention_layernorm.weight", "post_attention_norm.weight", [C])
        add(pf, "post_feedforward_layernorm.weight", "post_ffw_norm.weight", [C])
    }
    return s
}

/// What llama.cpp adds to this slot's numbers in a Gemma 3 GGUF: 1 for every norm weight, else 0.
func gemma3GGUFNormShift(_ config: ModelConfig, _ slot: WeightSlot) -> Float {
    config.architecture == .gemma3 && slot.ggufName.hasSuffix("norm.weight") ? 1 : 0
}
