// ModelLoader: one entry point from a path to (ModelConfig, ParameterTensors). A directory is a Hugging Face
// checkpoint (config.json + safetensors); a file is GGUF. The name table below maps every ParameterTensors
// view to its HF and GGUF tensor names and PyTorch-order shape; the per-format loaders
// (WeightLoadingGGUF.swift, WeightLoadingHF.swift) walk it, check each shape, and dequantize straight into
// the view, so memory is the parameters plus the mapped file.
import Foundation

/// Where a loaded model came from, kept so the tokenizer can be read from the same place.
public enum ModelSource: @unchecked Sendable {
    case gguf(GGUFFile)
    case huggingFace(directory: String)

    public var path: String {
        switch self {
        case .gguf(let g): return g.path
        case .huggingFace(let d): return d
        }
    }
}

public struct LoadedModel: @unchecked Sendable {
    public let config: ModelConfig
    public let params: ParameterTensors
    public let source: ModelSource
    public let seconds: Double
}

/// One weight to load: the destination view (one layer's slice for per-layer weights), its names in both
/// formats, the PyTorch-order shape, and how many RoPE heads its rows hold when q/k need un-permuting.
public struct WeightSlot {
    public let view: View
    public let hfName: String
    public let ggufName: String
    public let shape: [Int]
    public let ropeHeads: Int?
}

/// Every weight of `params` with its names. lm_head only when untied.
public func weightSlots(_ params: ParameterTensors) -> [WeightSlot] {
    let c = params.config
    let (C, Q, KV, FF, V) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.vocabSize)
    var s: [WeightSlot] = [WeightSlot(view: params.tokenEmbedding, hfName: "model.embed_tokens.weight",
                                      ggufName: "token_embd.weight", shape: [V, C], ropeHeads: nil)]
    for l in 0..<c.numLayers {
        let hf = "model.layers.\(l).", gg = "blk.\(l)."
        func add(_ v: View, _ h: String, _ g: String, _ shape: [Int], rope: Int? = nil) {
            s.append(WeightSlot(view: v.slice(l), hfName: hf + h, ggufName: gg + g, shape: shape, ropeHeads: rope))
        }
        add(params.attnNorm, "input_layernorm.weight", "attn_norm.weight", [C])
        add(params.wq, "self_attn.q_proj.weight", "attn_q.weight", [Q, C], rope: c.numHeads)
        add(params.wk, "self_attn.k_proj.weight", "attn_k.weight", [KV, C], rope: c.numKVHeads)
        add(params.wv, "self_attn.v_proj.weight", "attn_v.weight", [KV, C])
        if let bq = params.bq, let bk = params.bk, let bv = params.bv {
            add(bq, "self_attn.q_proj.bias", "attn_q.bias", [Q], rope: c.numHeads)
            add(bk, "self_attn.k_proj.bias", "attn_k.bias", [KV], rope: c.numKVHeads)
            add(bv, "self_attn.v_proj.bias", "attn_v.bias", [KV])
        }
        if let qn = params.qNorm, let kn = params.kNorm {   // Qwen3, Gemma 3 (not RoPE-permuted: llama.cpp runs both in rotate-half order)
            add(qn, "self_attn.q_norm.weight", "attn_q_norm.weight", [c.headDim])
            add(kn, "self_attn.k_norm.weight", "attn_k_norm.weight", [c.headDim])
        }
        add(params.wo, "self_attn.o_proj.weight", "attn_output.weight", [C, Q])
        add(params.mlpNorm, "post_attention_layernorm.weight", "ffn_norm.weight", [C])
        add(params.wGate, "mlp.gate_proj.weight", "ffn_gate.weight", [FF, C])
        add(params.wUp, "mlp.up_proj.weight", "ffn_up.weight", [FF, C])
        add(params.wDown, "mlp.down_proj.weight", "ffn_down.weight", [C, FF])
    }
    s.append(WeightSlot(view: params.finalNorm, hfName: "model.norm.weight", ggufName: "output_norm.weight", shape: [C], ropeHeads: nil))
    if !c.tiedEmbeddings {
        s.append(WeightSlot(view: params.lmHead, hfName: "lm_head.weight", ggufName: "output.weight", shape: [V, C], ropeHeads: nil))
    }
    if c.architecture == .gemma3 { return gemma3WeightSlots(params, base: s) }   // WeightSlotsGemma3.swift
    return s
}

/// Loads a model from a GGUF file or an HF directory.
public func loadModel(path: String) throws -> LoadedModel {
    let t0 = Date()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
        throw SFTError("no such file or directory", hint: "give a .gguf file or a Hugging Face model directory", file: path)
    }
    let (config, params, source): (ModelConfig, ParameterTensors, ModelSource)
    if isDir.boolValue {
        (config, params) = try loadHFWeights(directory: path)
        source = .huggingFace(directory: path)
    } else {
        let g = try GGUFFile(path: path)
        (config, params) = try loadGGUFWeights(g)
        source = .gguf(g)
    }
    return LoadedModel(config: config, params: params, source: source, seconds: Date().timeIntervalSince(t0))
}

/// The (config, parameters) of the model at `path` (GGUF file or HF directory).
public func loadModelWeights(path: String) throws -> (ModelConfig, ParameterTensors) {
    let m = try loadModel(path: path)
    return (m.config, m.params)
}

func shapeMismatch(_ name: String, expected: [Int], actual: [Int], file: String) -> SFTError {
    SFTError("tensor '\(name)' has shape \(actual), expected \(expected) from the model config",
             hint: "the weights do not match the config; the file may be from another model", file: file)
}

func checkCancelled(_ file: String) throws {
    if Cancellation.requested { throw SFTError("loading cancelled", file: file) }
}
