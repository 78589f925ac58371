// GGUFExportType: `export gguf --type`, and which ggml type each tensor gets, following llama.cpp's
// llama_tensor_get_type for the same file type so our files look like llama-quantize's:
//   f32, f16, q8_0   every matrix in that type
//   q4_0             matrices Q4_0; the output head (or a tied token_embd, which is the head) Q6_K
//   q4_k_m           matrices Q4_K; the head Q6_K; attn_v and ffn_down Q6_K in the layers llama.cpp's
//                    use_more_bits picks (the first and last eighth, and every third between)
// K-quants need rows (innermost dim) a multiple of 256: otherwise Q4_K falls back to Q5_0 and Q6_K to Q8_0,
// as llama.cpp does; 1-D tensors (norms, biases) stay F32.

public enum GGUFExportType: String, CaseIterable, Sendable {
    case f32, f16, q8_0, q4_0, q4_k_m

    /// general.file_type (llama_ftype): ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7, MOSTLY_Q4_K_M 15.
    public var fileType: UInt32 {
        switch self { case .f32: 0; case .f16: 1; case .q4_0: 2; case .q8_0: 7; case .q4_k_m: 15 }
    }

    /// The type of one matrix: `name` its GGUF name, `cols` its innermost dim.
    public func tensorType(name: String, cols: Int, numLayers: Int, tiedEmbeddings: Bool) -> GGUFTensorType {
        let isHead = name == "output.weight" || (tiedEmbeddings && name == "token_embd.weight")
        let wanted: GGUFTensorType
        switch self {
        case .f32: wanted = .f32
        case .f16: wanted = .f16
        case .q8_0: wanted = .q8_0
        case .q4_0: wanted = isHead ? .q6_K : .q4_0
        case .q4_k_m:
            if isHead {
                wanted = .q6_K
            } else if name.hasSuffix(".attn_v.weight") || name.hasSuffix(".ffn_down.weight"),
                      let layer = Self.layer(of: name), Self.useMoreBits(layer, numLayers) {
                wanted = .q6_K
            } else {
                wanted = .q4_K
            }
        }
        return Self.fitting(wanted, cols: cols)
    }

    /// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between.
    static func useMoreBits(_ i: Int, _ n: Int) -> Bool { i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2 }

    static func layer(of name: String) -> Int? {
        guard name.hasPrefix("blk.") else { return nil }
        return Int(name.dropFirst(4).prefix { $0.isNumber })
    }

    /// `t`, or llama.cpp's fallback when rows of `cols` values do not split into its blocks.
    static func fitting(_ t: GGUFTensorType, cols: Int) -> GGUFTensorType {
        if cols % t.blockSize == 0 { return t }
        switch t {
        case .q4_K: return fitting(.q5_0, cols: cols)
        case .q6_K: return fitting(.q8_0, cols: cols)
        default: return .f16
        }
    }
}
