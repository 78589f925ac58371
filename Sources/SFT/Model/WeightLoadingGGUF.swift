// GGUF weights into ParameterTensors. GGUF dims are PyTorch's reversed (dims[0] innermost), so a Linear
// (out, in) weight has dims [in, out] and its data is already row-major (out, in). llama.cpp's
// convert_hf_to_gguf.py permutes q and k rows of the llama architecture from HF's rotate-half order to
// interleaved pairs; `unpermuteRoPERows` undoes it (qwen2 GGUFs are not permuted).

/// llama.cpp `permute`: per head of `headDim` rows, HF row (half * HS/2 + i) goes to GGUF row (2i + half).
/// Works on a (heads*HS, cols) row-major block in place. Used for export and tests.
public func permuteRoPERows(_ w: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cols: Int) {
    ropeRowShuffle(w, heads: heads, headDim: headDim, cols: cols, toGGUF: true)
}

/// The inverse: GGUF row (2i + half) goes back to HF row (half * HS/2 + i).
public func unpermuteRoPERows(_ w: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cols: Int) {
    ropeRowShuffle(w, heads: heads, headDim: headDim, cols: cols, toGGUF: false)
}

func ropeRowShuffle(_ w: UnsafeMutablePointer<Float>, heads: Int, headDim hs: Int, cols: Int, toGGUF: Bool) {
    let half = hs / 2
    let tmp = UnsafeMutablePointer<Float>.allocate(capacity: hs * cols)
    defer { tmp.deallocate() }
    for h in 0..<heads {
        let head = w + h * hs * cols
        tmp.update(from: head, count: hs * cols)
        for i in 0..<half { for p in 0..<2 {
            let hfRow = p * half + i, ggRow = 2 * i + p
            let (dst, src) = toGGUF ? (ggRow, hfRow) : (hfRow, ggRow)
            (head + dst * cols).update(from: tmp + src * cols, count: cols)
        } }
    }
}

/// Reads config and every weight from an open GGUF file.
public func loadGGUFWeights(_ g: GGUFFile) throws -> (ModelConfig, ParameterTensors) {
    let config = try ModelConfig.fromGGUF(g)
    let params = ParameterTensors(config: config)
    let unpermute = config.architecture == .llama
    for slot in weightSlots(params) {
        try checkCancelled(g.path)
        let info = try g.info(slot.ggufName)
        if info.shape != slot.shape {
            throw shapeMismatch(slot.ggufName, expected: slot.shape, actual: info.shape, file: g.path)
        }
        try g.dequantize(slot.ggufName, into: slot.view.ptr, count: slot.view.count)
        let shift = gemma3GGUFNormShift(config, slot)   // Gemma 3 norms are stored as 1 + w
        if shift != 0 { for i in 0..<slot.view.count { slot.view.ptr[i] -= shift } }
        if unpermute, let heads = slot.ropeHeads {
            unpermuteRoPERows(slot.view.ptr, heads: heads, headDim: config.headDim, cols: slot.shape.count == 2 ? slot.shape[1] : 1)
        }
    }
    return (config, params)
}
