// Activations: everything the forward pass saves for backward, for one (B, T), as Views into one FloatBuffer
// (llm.c's ActivationTensors), plus the scratch shared by all layers (the SwiGLU output h is recomputed in
// backward; attention probabilities are kept per layer while they fit in `storedProbsLimit`, else recomputed
// too) and the activation-gradient scratch of one layer.
// N = B*T rows. Per token and layer it keeps 6C + 2KV + 2FF floats (27 KB for SmolLM2-135M); Qwen3 and Gemma 3 add
// the q/k projections before their per-head norm and its rstd, Q + KV + NH + NKV.

public struct Activations: @unchecked Sendable {
    public let B: Int, T: Int
    public let storage: FloatBuffer
    public let resid: View     // (L+1, N, C) input of each layer; resid[L] is the last layer's output
    public let ln1: View       // (L, N, C)
    public let ln1Rstd: View   // (L, N)
    public let q: View         // (L, N, NH*HS) after RoPE
    public let k: View         // (L, N, NKV*HS) after RoPE
    public let v: View         // (L, N, NKV*HS)
    public let attOut: View    // (L, N, NH*HS)
    public let resid2: View    // (L, N, C) = resid[l] + attention output
    public let ln2: View       // (L, N, C)
    public let ln2Rstd: View   // (L, N)
    public let gate: View      // (L, N, FF)
    public let up: View        // (L, N, FF)
    public let lnf: View       // (N, C)
    public let lnfRstd: View   // (N)
    public let losses: View    // (N)
    // scratch shared by layers
    public let h: View         // (N, FF)
    public let probs: View     // (L, B, NH, T, T) when storesProbs, else (1, B, NH, T, T)
    public let storesProbs: Bool
    public let head: View      // lm_head chunk scratch
    public let headChunk: Int
    // activation gradients of one layer
    public let dres: View, dln: View, dlnf: View        // (N, C)
    public let dq: View, dattOut: View                  // (N, NH*HS)
    public let dk: View, dv: View                       // (N, NKV*HS)
    public let dgate: View, dup: View, dh: View         // (N, FF)
    public let dprobs: View                             // (B, NKV, T, T), per kv group
    // LoRA
    public let xa: View        // (L, targets, N, r), empty without LoRA
    public let dropped: View   // (N, max(C, NH*HS, FF))
    public let dxa: View       // (N, r)
    // Qwen3's and Gemma 3's per-head q/k norm (empty for other architectures): the projections before the norm, its rstd,
    // and the gradient scratch of one layer
    public let qLin: View      // (L, N, NH*HS)
    public let kLin: View      // (L, N, NKV*HS)
    public let qRstd: View     // (L, N*NH)
    public let kRstd: View     // (L, N*NKV)
    public let dqLin: View     // (N, NH*HS)
    public let dkLin: View     // (N, NKV*HS)

    /// Bytes of attention probabilities kept for backward (283 MB for SmolLM2-135M at 4 x 256); above it,
    /// backward recomputes each layer's scores (about 3% of a step) instead.
    public static let storedProbsLimit = 512 << 20

    /// `reusing`: a buffer of an earlier shape, carved anew when it holds this shape's floats (nothing is
    /// zeroed: every kernel writes what it later reads). Without it, or when it is too small, a fresh buffer:
    /// allocating (and page-faulting) hundreds of MB for every new (B, T) was most of a forward-only pass over
    /// length-sorted batches (`data score`).
    public init(config c: ModelConfig, B: Int, T: Int, lora: LoRAConfig?, headChunk: Int = 512, reusing: FloatBuffer? = nil) {
        let stores = Self.storesProbs(config: c, B: B, T: T)
        let needed = Self.floatCount(config: c, B: B, T: T, lora: lora, headChunk: headChunk)
        if let reusing, reusing.count >= needed { storage = reusing } else { storage = FloatBuffer(count: needed) }
        var k = Carver(storage)
        let v = Self.carve(&k, config: c, B: B, T: T, lora: lora, headChunk: headChunk, stores: stores)
        self.B = B; self.T = T
        storesProbs = stores
        self.headChunk = min(headChunk, B * T)
        (resid, ln1, ln1Rstd, q, self.k, self.v, attOut, resid2, ln2, ln2Rstd) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])
        (gate, up, lnf, lnfRstd, losses, h, probs, head) = (v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17])
        (dres, dln, dlnf, dq, dattOut, dk, dv, dgate, dup, dh, dprobs) = (v[18], v[19], v[20], v[21], v[22], v[23], v[24], v[25], v[26], v[27], v[28])
        (xa, dropped, dxa) = (v[29], v[30], v[31])
        (qLin, kLin, qRstd, kRstd, dqLin, dkLin) = (v[32], v[33], v[34], v[35], v[36], v[37])
    }

    /// Floats the activations of (B, T) take, views rounded up to 64 bytes as carved.
    public static func floatCount(config c: ModelConfig, B: Int, T: Int, lora: LoRAConfig?, headChunk: Int = 512) -> Int {
        var counter = Carver(counting: ())
        _ = carve(&counter, config: c, B: B, T: T, lora: lora, headChunk: headChunk, stores: storesProbs(config: c, B: B, T: T))
        return counter.used
    }

    static func storesProbs(config c: ModelConfig, B: Int, T: Int) -> Bool {
        c.numLayers * B * c.numHeads * T * T * MemoryLayout<Float>.size <= storedProbsLimit
    }

    /// The views in declaration order (see the properties above for their shapes).
    private static func carve(_ k: inout Carver, config c: ModelConfig, B: Int, T: Int, lora: LoRAConfig?, headChunk: Int, stores: Bool) -> [View] {
        let (N, L, C, Q, KV, FF, NH) = (B * T, c.numLayers, c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.numHeads)
        let chunk = min(headChunk, N)
        let r = lora?.rank ?? 0, nt = lora?.targets.count ?? 0
        let qn = c.qkNorm ? 1 : 0
        return [k.take([L + 1, N, C]), k.take([L, N, C]), k.take([L, N]), k.take([L, N, Q]), k.take([L, N, KV]),
                k.take([L, N, KV]), k.take([L, N, Q]), k.take([L, N, C]), k.take([L, N, C]), k.take([L, N]),
                k.take([L, N, FF]), k.take([L, N, FF]), k.take([N, C]), k.take([N]), k.take([N]),
                k.take([N, FF]), k.take([stores ? L : 1, B, NH, T, T]), k.take([lmHeadScratchCount(chunk: chunk, C: C, V: c.vocabSize)]),
                k.take([N, C]), k.take([N, C]), k.take([N, C]), k.take([N, Q]), k.take([N, Q]), k.take([N, KV]),
                k.take([N, KV]), k.take([N, FF]), k.take([N, FF]), k.take([N, FF]), k.take([B, c.numKVHeads, T, T]),
                k.take([L, nt, N, r]), k.take([N, (lora?.dropout ?? 0) > 0 ? max(C, Q, FF) : 0]), k.take([N, r]),
                k.take([L, N, qn * Q]), k.take([L, N, qn * KV]), k.take([L, N, qn * NH]), k.take([L, N, qn * c.numKVHeads]),
                k.take([N, qn * Q]), k.take([N, qn * KV])]
    }
}
