// RoPE scaling as config.json and GGUF spell it (RoPEScaling.swift holds the numbers). config.json: transformers 4's
// `rope_scaling` or transformers 5's `rope_parameters`, {rope_type: "llama3", factor, low_freq_factor,
// high_freq_factor, original_max_position_embeddings}; "default" (or none) is plain RoPE, any other type is refused
// by name. GGUF: llama.cpp's converter writes no key for llama3, only the divisors as `rope_freqs.weight` (HS/2, F32);
// a `<arch>.rope.scaling.type` other than none is refused.
import Foundation

extension RoPEScaling {
    /// nil for plain RoPE; `top` is the whole config.json (some files keep original_max_position_embeddings there).
    static func fromHFConfig(_ s: [String: Any]?, top: [String: Any], file: String) throws -> RoPEScaling? {
        guard let s, let type = (s["rope_type"] ?? s["type"]) as? String, type != "default" else { return nil }
        func bad(_ m: String, _ hint: String) -> SFTError { SFTError(m, hint: hint, file: file) }
        guard type == "llama3" else {
            throw bad("RoPE scaling '\(type)' is not supported", "sft runs rope_type llama3 (Llama-3.1/3.2) and unscaled RoPE; use a model without other rope_scaling")
        }
        func number(_ k: String, in d: [String: Any]) throws -> Double? {
            guard let v = d[k], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber, n.doubleValue.isFinite else { throw bad("rope_scaling \(k) = \(v) is not a number", "check config.json") }
            return n.doubleValue
        }
        func required(_ k: String) throws -> Double {
            guard let v = try number(k, in: s) ?? number(k, in: top) else {
                throw bad("rope_scaling of type llama3 has no \(k)", "Llama-3.x configs give factor, low_freq_factor, high_freq_factor and original_max_position_embeddings")
            }
            return v
        }
        let original = try required("original_max_position_embeddings")
        guard let orig = Int(exactly: original), orig > 0, orig <= 1 << 24 else {
            throw bad("rope_scaling original_max_position_embeddings = \(original) is not a positive integer", "check config.json")
        }
        return .llama3(factor: Float(try required("factor")), lowFreqFactor: Float(try required("low_freq_factor")),
                       highFreqFactor: Float(try required("high_freq_factor")), originalMaxPositions: orig)
    }

    /// The scaling a GGUF file asks for: its `rope_freqs.weight` table when present (shape HS/2 checked), nil when none.
    static func fromGGUF(_ g: GGUFFile, architecture a: String, headDim: Int, theta: Float) throws -> RoPEScaling? {
        if let t = g.string("\(a).rope.scaling.type"), t != "none" {
            throw SFTError("RoPE scaling '\(t)' is not supported", hint: "sft runs llama3 frequency factors (rope_freqs.weight) and unscaled RoPE", file: g.path)
        }
        guard g.tensors["rope_freqs.weight"] != nil else { return nil }
        let info = try g.info("rope_freqs.weight")
        guard headDim > 0, headDim <= 1 << 10, info.shape == [headDim / 2] else {
            throw SFTError("tensor 'rope_freqs.weight' has shape \(info.shape), expected [\(headDim / 2)] (head_dim / 2)",
                           hint: "the file may be damaged or from another model", file: g.path)
        }
        var f = [Float](repeating: 0, count: headDim / 2)
        try f.withUnsafeMutableBufferPointer { try g.dequantize("rope_freqs.weight", into: $0.baseAddress!, count: $0.count) }
        return RoPEScaling.fromGGUF(factors: f, headDim: headDim, theta: theta)
    }
}
