// Saving ParameterTensors back to files other tools read: an HF directory (config.json + model.safetensors,
// transformers' names and layout) and a GGUF file in llama.cpp's layout (dims reversed, llama q/k rows
// permuted to interleaved pairs, norms and biases F32, matrices in the chosen type; Llama-3's rope scaling as
// config.json `rope_scaling` and as llama.cpp's `rope_freqs.weight`). Both writes are atomic.
// The loaders in this folder read both back to the same numbers (tests in FormatsLoaderTests).
import Foundation

extension ModelConfig {
    /// config.json contents for transformers (LlamaForCausalLM / Qwen2ForCausalLM / Qwen3ForCausalLM / Gemma3ForCausalLM).
    public var hfConfigJSON: [String: Any] {
        if architecture == .gemma3 { return gemma3HFConfigJSON }   // WeightSavingGemma3.swift
        var j: [String: Any] = [
            "architectures": [architecture.hfClassName],
            "model_type": architecture.rawValue, "vocab_size": vocabSize, "hidden_size": hiddenSize,
            "intermediate_size": intermediateSize, "num_hidden_layers": numLayers, "num_attention_heads": numHeads,
            "num_key_value_heads": numKVHeads, "head_dim": headDim, "max_position_embeddings": maxPositions,
            "rope_theta": Self.sourceDouble(ropeTheta), "rms_norm_eps": Self.sourceDouble(rmsNormEps), "tie_word_embeddings": tiedEmbeddings,
            "hidden_act": "silu", "torch_dtype": "float32",
        ]
        if architecture == .llama { j["attention_bias"] = attentionBias; j["mlp_bias"] = false }
        if architecture == .qwen3 { j["attention_bias"] = false; j["use_sliding_window"] = false }
        if let s = ropeScaling?.hfConfig { j["rope_scaling"] = s }   // the transformers 4 spelling Llama-3.x ships; 5 reads it too
        return j
    }

    /// Throws when config.json cannot describe this model: RoPE divisors from a GGUF that match no llama3 parameters.
    public func checkHFConfigExpressible() throws {
        if case .freqFactors = ropeScaling {
            throw SFTError("this model's RoPE frequency factors (GGUF rope_freqs.weight) match no llama3 rope_scaling that config.json could state",
                           hint: "export gguf keeps them; or load the model from its HF directory, whose config.json has rope_scaling")
        }
    }

    /// The Double a source file wrote for a value sft keeps as Float: the shortest decimal that reads back as
    /// this Float (1e-05, which GGUF stores as float32 and config.json as 1e-05), not the Float's exact binary
    /// value widened (9.999999747378752e-06).
    static func sourceDouble(_ v: Float) -> Double { Double("\(v)") ?? Double(v) }

    /// GGUF metadata llama.cpp needs to run the model (no tokenizer keys).
    public var ggufMetadata: [(String, GGUFValue)] {
        let a = architecture.rawValue
        var m: [(String, GGUFValue)] = [
            ("general.architecture", .string(a)),
            ("\(a).block_count", .uint32(UInt32(numLayers))),
            ("\(a).context_length", .uint32(UInt32(maxPositions))),
            ("\(a).embedding_length", .uint32(UInt32(hiddenSize))),
            ("\(a).feed_forward_length", .uint32(UInt32(intermediateSize))),
            ("\(a).attention.head_count", .uint32(UInt32(numHeads))),
            ("\(a).attention.head_count_kv", .uint32(UInt32(numKVHeads))),
            ("\(a).rope.freq_base", .float32(ropeTheta)),
            ("\(a).attention.layer_norm_rms_epsilon", .float32(rmsNormEps)),
            ("\(a).vocab_size", .uint32(UInt32(vocabSize))),
            ("\(a).rope.dimension_count", .uint32(UInt32(headDim))),
        ]
        if headDim != hiddenSize / numHeads {
            m += [("\(a).attention.key_length", .uint32(UInt32(headDim))), ("\(a).attention.value_length", .uint32(UInt32(headDim)))]
        }
        if architecture == .gemma3 { m += gemma3GGUFMetadata }   // WeightSavingGemma3.swift
        return m
    }
}

/// Writes `directory`/config.json and `directory`/model.safetensors (creates the directory); the tensors are
/// stored as `dtype` and config.json's torch_dtype names it.
public func saveHFWeights(_ params: ParameterTensors, directory: String, dtype: SafetensorsDType = .f32) throws {
    try params.config.checkHFConfigExpressible()
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var w = SafetensorsWriter(dtype: dtype)
    for slot in weightSlots(params) {
        try w.add(slot.hfName, shape: slot.shape, data: UnsafeBufferPointer(slot.view.buffer))
    }
    try withExtendedLifetime(params) { try w.write(to: directory + "/model.safetensors") }
    var config = params.config.hfConfigJSON
    config["torch_dtype"] = dtype.torchName
    let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
    try AtomicFile.write(json, to: directory + "/config.json")
}

/// Writes a GGUF file: `config.ggufMetadata`, then `extraMetadata` (e.g. every `tokenizer.*` key of the
/// source GGUF), then the tensors. Matrices are stored as `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1);
/// 1-D tensors are always F32.
public func saveGGUF(_ params: ParameterTensors, to path: String, type: GGUFTensorType = .f16,
                     extraMetadata: [(String, GGUFValue)] = []) throws {
    try saveGGUF(params, to: path, extraMetadata: extraMetadata) { _ in type }
}

/// Writes a GGUF file with each matrix in the type `export` picks for it (llama.cpp's choice for that file
/// type, GGUFExportType); general.file_type says which.
public func saveGGUF(_ params: ParameterTensors, to path: String, export: GGUFExportType,
                     extraMetadata: [(String, GGUFValue)] = []) throws {
    let c = params.config
    let meta: [(String, GGUFValue)] = [("general.file_type", GGUFValue.uint32(export.fileType))]
        + extraMetadata.filter { $0.0 != "general.file_type" }
    try saveGGUF(params, to: path, extraMetadata: meta) { slot in
        export.tensorType(name: slot.ggufName, cols: slot.shape.last ?? 1, numLayers: c.numLayers, tiedEmbeddings: c.tiedEmbeddings)
    }
}

/// The writer behind both: matrices in `matrixType(slot)`, 1-D tensors F32.
func saveGGUF(_ params: ParameterTensors, to path: String, extraMetadata: [(String, GGUFValue)],
              matrixType: (WeightSlot) -> GGUFTensorType) throws {
    let c = params.config
    if c.architecture == .gemma3 { try c.checkGemma3GGUFExport() }
    if c.ropeScaling != nil && c.architecture != .llama {
        throw SFTError("llama.cpp reads RoPE frequency factors (rope_freqs.weight) only for the llama architecture, not \(c.architecture.rawValue)",
                       hint: "export merged writes an HF directory with rope_scaling")
    }
    var g = GGUFWriter()
    for (k, v) in c.ggufMetadata + extraMetadata { g.add(k, v) }
    for slot in weightSlots(params) {
        var data = slot.view.toArray()
        let shift = gemma3GGUFNormShift(c, slot)   // llama.cpp stores Gemma 3 norms as 1 + w
        if shift != 0 { for i in data.indices { data[i] += shift } }
        if c.architecture == .llama, let heads = slot.ropeHeads {
            data.withUnsafeMutableBufferPointer {
                permuteRoPERows($0.baseAddress!, heads: heads, headDim: c.headDim, cols: slot.shape.count == 2 ? slot.shape[1] : 1)
            }
        }
        let t: GGUFTensorType = slot.shape.count == 2 ? matrixType(slot) : .f32
        try g.addTensor(slot.ggufName, type: t, dims: slot.shape.reversed(), floats: data)
    }
    if let s = c.ropeScaling {   // llama.cpp's converter: the llama3 divisors per frequency, F32 (HS/2)
        try g.addTensor("rope_freqs.weight", type: .f32, dims: [c.headDim / 2], floats: s.freqFactors(headDim: c.headDim, theta: c.ropeTheta))
    }
    try g.write(to: path)
}
