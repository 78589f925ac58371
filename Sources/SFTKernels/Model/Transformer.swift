// The Llama/Qwen2 decoder's training pass on CPU, llm.c style: `forward` is a flat list of kernel calls per
// layer, `backward` the same list reversed. Full fine-tuning puts weight gradients in `grads` (the
// ParameterTensors layout); LoRA puts them in the adapters' own buffer and the frozen base takes none.
// The lm_head + cross-entropy runs fused and chunked; with needGradients it also produces dlnf (and the head's
// weight gradient), so backward starts from the final norm. Inference with a KV cache is in TransformerInference.
// Packed batches (`segments`): a row holds several conversations; attention stays inside each one and RoPE
// positions restart at each, so every conversation gets the same numbers as in a row of its own.

public final class Transformer: @unchecked Sendable {
    public let config: ModelConfig
    public let params: ParameterTensors
    public private(set) var grads: ParameterTensors?   // full fine-tuning only
    public private(set) var lora: LoRA?
    public let rope: RoPETable
    public private(set) var acts: Activations?
    /// Trained tokens (sum of mask) in the last forward.
    public private(set) var trainedTokens = 0
    var tokens: [Int32] = [], targets: [Int32] = [], mask: [Float] = []
    /// Packed rows of the last forward: per row the start of each conversation, and every token's position.
    var segments: [[Int]]? = nil, positions: [Int32] = []
    private var readyForBackward = false
    /// Bumped by every forward(needGradients: true); with the LoRA seed it keys the dropout masks.
    public var dropoutStep: UInt64 = 0
    /// Single-token decoding streams fp16 copies of the weights (half the memory traffic); prefill stays fp32.
    public var halfPrecisionDecode = true
    var decodeWeights: DecodeWeights? = nil
    /// Bumped whenever the weights may have changed (a training forward, invalidateDecodeWeights), so copies
    /// made from them (the int8 copy) can tell they are stale.
    public private(set) var weightsVersion: UInt64 = 0
    private var dropoutActive = false
    /// Gemma 3: the RoPE table of the sliding layers (rope_local_base_freq; `rope` serves the full layers) and
    /// the activations only its layers save (TransformerGemma3.swift).
    public let ropeLocal: RoPETable?
    var gemma3Acts: Gemma3Activations? = nil

    public init(params: ParameterTensors) {
        config = params.config
        self.params = params
        rope = RoPETable(headDim: params.config.headDim, maxPositions: params.config.maxPositions, theta: params.config.ropeTheta,
                         scaling: params.config.ropeScaling)
        ropeLocal = params.config.architecture == .gemma3
            ? RoPETable(headDim: params.config.headDim, maxPositions: params.config.maxPositions, theta: params.config.ropeLocalTheta ?? 10000) : nil
    }

    /// Full fine-tuning: allocates a zeroed gradient for every weight.
    public func enableFullGradients() { if grads == nil { grads = ParameterTensors(config: config) } }
    public func disableFullGradients() { grads = nil }

    /// Attaches (or with nil removes) LoRA adapters; the activation buffers are rebuilt on the next forward.
    public func attach(lora: LoRA?) {
        if let lora { precondition(lora.model == config, "LoRA built for another model config") }
        self.lora = lora
        acts = nil
    }

    /// What an optimizer updates: the LoRA buffers when adapters are attached, else the full parameters
    /// (nil before enableFullGradients). Use with AdamW(count: params.count).step(params:grads:lr:).
    public var trainable: (params: FloatBuffer, grads: FloatBuffer)? {
        if let lora { return (lora.params, lora.grads) }
        if let grads { return (params.storage, grads.storage) }
        return nil
    }

    /// Drops the fp16 decode copies; call after changing `params` other than through training (e.g. LoRA merge).
    public func invalidateDecodeWeights() { decodeWeights = nil; weightsVersion &+= 1 }

    /// Zeroes full gradients and LoRA gradients.
    public func zeroGradients() {
        grads?.storage.zero()
        lora?.grads.zero()
    }

    /// Mean cross-entropy over tokens with mask > 0. tokens, targets (B*T) Int32 (targets[i] is the token after
    /// tokens[i]), mask (B*T) 1 for trained positions, 0 for prompt and padding. needGradients keeps what
    /// backward needs and enables LoRA dropout. The gradient backward adds is that of sum(losses) /
    /// gradientTokens (default: this batch's trained tokens, i.e. of the mean); gradient accumulation passes
    /// the whole step's trained tokens so the micro-batches' gradients add up to the big batch's.
    /// segments (packed rows): per row, the increasing start offsets of its conversations, the first 0.
    @discardableResult
    public func forward(tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, length T: Int,
                        needGradients: Bool = false, gradientTokens: Int? = nil, segments: [[Int]]? = nil) throws -> Float {
        try checkBatch(tokens: tokens, targets: targets, mask: mask, B: B, T: T)
        try setSegments(segments, B: B, T: T)
        let a = activations(B: B, T: T)
        let (N, C, V) = (B * T, config.hiddenSize, config.vocabSize)
        self.tokens = tokens; self.targets = targets; self.mask = mask
        dropoutActive = needGradients
        if needGradients { dropoutStep &+= 1; decodeWeights = nil; weightsVersion &+= 1 }   // the weights are about to change
        layersForward(a, B: B, T: T)
        finalNormForward(a, n: N, C: C)
        let trained = mask.reduce(0, +)
        trainedTokens = Int(trained)
        guard trained > 0 else { readyForBackward = needGradients; if needGradients { a.dlnf.buffer.update(repeating: 0) }; return 0 }
        if needGradients { a.dlnf.buffer.update(repeating: 0) }
        let total = stage("lm head") { lmHeadCrossEntropy(a.losses.ptr, needGradients ? a.dlnf.ptr : nil, needGradients ? grads?.lmHead.ptr : nil,
                                       scratch: a.head.ptr, a.lnf.ptr, params.lmHead.ptr, targets, mask,
                                       gradScale: 1 / Float(gradientTokens ?? Int(trained)), n: N, C: C, V: V, chunk: a.headChunk) }
        readyForBackward = needGradients
        return Float(total / Double(trained))
    }

    /// Each position's loss from the last forward (B*T floats, row-major; 0 where the mask was 0), for
    /// per-sample scoring (SampleLosses.swift). Empty before any forward.
    public var lastPositionLosses: [Float] {
        guard let a = acts else { return [] }
        return Array(UnsafeBufferPointer(start: a.losses.ptr, count: a.B * a.T))
    }

    /// Logits (B*T, V) of every position, for evaluation and tests (allocates the full matrix).
    public func logits(tokens: [Int32], batch B: Int, length T: Int) throws -> [Float] {
        try checkBatch(tokens: tokens, targets: nil, mask: nil, B: B, T: T)
        try setSegments(nil, B: B, T: T)
        let a = activations(B: B, T: T)
        let (N, C, V) = (B * T, config.hiddenSize, config.vocabSize)
        self.tokens = tokens
        dropoutActive = false
        readyForBackward = false
        layersForward(a, B: B, T: T)
        finalNormForward(a, n: N, C: C)
        var out = [Float](repeating: 0, count: N * V)
        out.withUnsafeMutableBufferPointer { linearForward($0.baseAddress!, a.lnf.ptr, params.lmHead.ptr, rows: N, inFeatures: C, outFeatures: V) }
        return out
    }

    private func layersForward(_ a: Activations, B: Int, T: Int) {
        let c = config, p = params
        let (N, C, Q, KV, FF) = (B * T, c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize)
        let sc = scratch(a)
        if c.architecture == .gemma3 { gemma3LayersForward(a, B: B, T: T); return }
        stage("embedding") { embeddingForward(a.resid.ptr, tokens, p.tokenEmbedding.ptr, n: N, C: C) }
        for l in 0..<c.numLayers {
            let x = a.resid.slice(l).ptr, ln1 = a.ln1.slice(l).ptr, q = a.q.slice(l).ptr, k = a.k.slice(l).ptr, v = a.v.slice(l).ptr
            let att = a.attOut.slice(l).ptr, r2 = a.resid2.slice(l).ptr, ln2 = a.ln2.slice(l).ptr
            let gate = a.gate.slice(l).ptr, up = a.up.slice(l).ptr, out = a.resid.slice(l + 1).ptr
            stage("rmsnorm") { rmsnormForward(ln1, a.ln1Rstd.slice(l).ptr, x, p.attnNorm.slice(l).ptr, n: N, C: C, eps: c.rmsNormEps) }
            stage("linear fwd") { linearLayerForward(q, ln1, p.wq.slice(l).ptr, p.bq?.slice(l).ptr, adapter(.q, l, a), sc, n: N, inF: C, outF: Q) }
            stage("linear fwd") { linearLayerForward(k, ln1, p.wk.slice(l).ptr, p.bk?.slice(l).ptr, adapter(.k, l, a), sc, n: N, inF: C, outF: KV) }
            stage("linear fwd") { linearLayerForward(v, ln1, p.wv.slice(l).ptr, p.bv?.slice(l).ptr, adapter(.v, l, a), sc, n: N, inF: C, outF: KV) }
            if let qn = p.qNorm, let kn = p.kNorm {   // Qwen3: q, k = rmsnorm per head (qLin, kLin), the projections kept for backward
                let ql = a.qLin.slice(l).ptr, kl = a.kLin.slice(l).ptr
                stage("copies") { ql.update(from: q, count: N * Q); kl.update(from: k, count: N * KV) }
                stage("qk norm") { headRMSNormForward(q, a.qRstd.slice(l).ptr, ql, qn.slice(l).ptr, n: N, heads: c.numHeads, HS: c.headDim, eps: c.rmsNormEps, onePlus: false) }
                stage("qk norm") { headRMSNormForward(k, a.kRstd.slice(l).ptr, kl, kn.slice(l).ptr, n: N, heads: c.numKVHeads, HS: c.headDim, eps: c.rmsNormEps, onePlus: false) }
            }
            stage("rope") { rotate(q, n: N, T: T, heads: c.numHeads, backward: false) }
            stage("rope") { rotate(k, n: N, T: T, heads: c.numKVHeads, backward: false) }
            stage("attention fwd") { attentionForward(att, a.probs.slice(a.storesProbs ? l : 0).ptr, q, k, v, B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads, HS: c.headDim, segments: segments) }
            stage("copies") { r2.update(from: x, count: N * C) }   // resid2 = x + att @ Wo^T
            stage("linear fwd") { linearLayerForward(r2, att, p.wo.slice(l).ptr, nil, adapter(.o, l, a), sc, n: N, inF: Q, outF: C, accumulate: true) }
            stage("rmsnorm") { rmsnormForward(ln2, a.ln2Rstd.slice(l).ptr, r2, p.mlpNorm.slice(l).ptr, n: N, C: C, eps: c.rmsNormEps) }
            stage("linear fwd") { linearLayerForward(gate, ln2, p.wGate.slice(l).ptr, nil, adapter(.gate, l, a), sc, n: N, inF: C, outF: FF) }
            stage("linear fwd") { linearLayerForward(up, ln2, p.wUp.slice(l).ptr, nil, adapter(.up, l, a), sc, n: N, inF: C, outF: FF) }
            stage("swiglu") { swigluForward(a.h.ptr, gate, up, n: N * FF) }
            stage("copies") { out.update(from: r2, count: N * C) }  // resid[l+1] = resid2 + h @ Wdown^T
            stage("linear fwd") { linearLayerForward(out, a.h.ptr, p.wDown.slice(l).ptr, nil, adapter(.down, l, a), sc, n: N, inF: FF, outF: C, accumulate: true) }
        }
    }

    /// Adds d(loss)/d(weights) into `grads` (full) or the LoRA gradients. Needs forward(needGradients: true).
    public func backward() {
        precondition(readyForBackward, "backward without forward(needGradients: true)")
        readyForBackward = false
        guard let a = acts, trainedTokens > 0 else { return }
        let c = config, p = params, g = grads
        let (B, T) = (a.B, a.T)
        let (N, C, Q, KV, FF) = (B * T, c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize)
        let sc = scratch(a)
        let dres = a.dres.ptr, dln = a.dln.ptr
        a.dres.buffer.update(repeating: 0)
        // forward: lnf = rmsnorm(resid[L], finalNorm)
        if c.architecture == .gemma3 {   // (1 + w) final norm, then Gemma's own layer list
            rmsnormOnePlusBackward(dres, g?.finalNorm.ptr, a.dlnf.ptr, a.resid.slice(c.numLayers).ptr, p.finalNorm.ptr, a.lnfRstd.ptr, n: N, C: C)
            gemma3LayersBackward(a); return
        }
        rmsnormBackward(dres, g?.finalNorm.ptr, a.dlnf.ptr, a.resid.slice(c.numLayers).ptr, p.finalNorm.ptr, a.lnfRstd.ptr, n: N, C: C)
        for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
            let x = a.resid.slice(l).ptr, ln1 = a.ln1.slice(l).ptr, q = a.q.slice(l).ptr, k = a.k.slice(l).ptr, v = a.v.slice(l).ptr
            let att = a.attOut.slice(l).ptr, r2 = a.resid2.slice(l).ptr, ln2 = a.ln2.slice(l).ptr
            let gate = a.gate.slice(l).ptr, up = a.up.slice(l).ptr
            // forward: resid[l+1] = resid2 + h @ Wdown^T  (dres carries on as d resid2)
            // h is only read for the down weight's gradient or a down adapter (recomputed, not stored per layer)
            if g != nil || adapter(.down, l, a) != nil { stage("swiglu") { swigluForward(a.h.ptr, gate, up, n: N * FF) } }
            stage("linear bwd") { linearLayerBackward(a.dh.ptr, g?.wDown.slice(l).ptr, nil, dres, a.h.ptr, p.wDown.slice(l).ptr, adapter(.down, l, a), sc,
                                n: N, inF: FF, outF: C, overwriteDx: true) }
            // forward: h = swiglu(gate, up)
            stage("swiglu") { swigluBackward(a.dgate.ptr, a.dup.ptr, a.dh.ptr, gate, up, n: N * FF) }
            // forward: gate = ln2 @ Wgate^T;  up = ln2 @ Wup^T
            stage("linear bwd") { linearLayerBackward(dln, g?.wGate.slice(l).ptr, nil, a.dgate.ptr, ln2, p.wGate.slice(l).ptr, adapter(.gate, l, a), sc,
                                n: N, inF: C, outF: FF, overwriteDx: true) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wUp.slice(l).ptr, nil, a.dup.ptr, ln2, p.wUp.slice(l).ptr, adapter(.up, l, a), sc, n: N, inF: C, outF: FF) }
            // forward: ln2 = rmsnorm(resid2, mlpNorm)
            stage("rmsnorm") { rmsnormBackward(dres, g?.mlpNorm.slice(l).ptr, dln, r2, p.mlpNorm.slice(l).ptr, a.ln2Rstd.slice(l).ptr, n: N, C: C) }
            // forward: resid2 = x + att @ Wo^T  (dres carries on as d x)
            stage("linear bwd") { linearLayerBackward(a.dattOut.ptr, g?.wo.slice(l).ptr, nil, dres, att, p.wo.slice(l).ptr, adapter(.o, l, a), sc,
                                n: N, inF: Q, outF: C, overwriteDx: true) }
            // forward: att = attention(q, k, v)  (probabilities stored per layer, or recomputed when too big)
            let probs = a.probs.slice(a.storesProbs ? l : 0).ptr
            if !a.storesProbs {
                stage("attention recompute") { attentionForward(nil, probs, q, k, v, B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads, HS: c.headDim, segments: segments) }
            }
            stage("attention bwd") { attentionBackward(a.dq.ptr, a.dk.ptr, a.dv.ptr, a.dprobs.ptr, a.dattOut.ptr, q, k, v, probs,
                              B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads, HS: c.headDim, segments: segments) }
            // forward: q, k = rope(q), rope(k)
            stage("rope") { rotate(a.dq.ptr, n: N, T: T, heads: c.numHeads, backward: true) }
            stage("rope") { rotate(a.dk.ptr, n: N, T: T, heads: c.numKVHeads, backward: true) }
            // forward: q, k = rmsnorm per head (qLin, kLin)  (Qwen3: dq, dk become the projections' gradients)
            if let qn = p.qNorm, let kn = p.kNorm {
                a.dqLin.buffer.update(repeating: 0); a.dkLin.buffer.update(repeating: 0)
                stage("qk norm") { headRMSNormBackward(a.dqLin.ptr, g?.qNorm?.slice(l).ptr, a.dq.ptr, a.qLin.slice(l).ptr, qn.slice(l).ptr,
                                                        a.qRstd.slice(l).ptr, n: N, heads: c.numHeads, HS: c.headDim, onePlus: false) }
                stage("qk norm") { headRMSNormBackward(a.dkLin.ptr, g?.kNorm?.slice(l).ptr, a.dk.ptr, a.kLin.slice(l).ptr, kn.slice(l).ptr,
                                                        a.kRstd.slice(l).ptr, n: N, heads: c.numKVHeads, HS: c.headDim, onePlus: false) }
                stage("copies") { a.dq.ptr.update(from: a.dqLin.ptr, count: N * Q); a.dk.ptr.update(from: a.dkLin.ptr, count: N * KV) }
            }
            // forward: q = ln1 @ Wq^T + bq;  k = ...;  v = ...
            stage("linear bwd") { linearLayerBackward(dln, g?.wq.slice(l).ptr, g?.bq?.slice(l).ptr, a.dq.ptr, ln1, p.wq.slice(l).ptr, adapter(.q, l, a), sc,
                                n: N, inF: C, outF: Q, overwriteDx: true) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wk.slice(l).ptr, g?.bk?.slice(l).ptr, a.dk.ptr, ln1, p.wk.slice(l).ptr, adapter(.k, l, a), sc, n: N, inF: C, outF: KV) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wv.slice(l).ptr, g?.bv?.slice(l).ptr, a.dv.ptr, ln1, p.wv.slice(l).ptr, adapter(.v, l, a), sc, n: N, inF: C, outF: KV) }
            // forward: ln1 = rmsnorm(x, attnNorm)
            stage("rmsnorm") { rmsnormBackward(dres, g?.attnNorm.slice(l).ptr, dln, x, p.attnNorm.slice(l).ptr, a.ln1Rstd.slice(l).ptr, n: N, C: C) }
        }
        // forward: resid[0] = embedding[tokens]
        if let g { embeddingBackward(g.tokenEmbedding.ptr, dres, tokens, n: N, C: C) }
    }

    // MARK: helpers

    /// lnf = rmsnorm(resid[L], finalNorm): Llama's w, Gemma's (1 + w).
    private func finalNormForward(_ a: Activations, n N: Int, C: Int) {
        let x = a.resid.slice(config.numLayers).ptr
        if config.architecture == .gemma3 { rmsnormOnePlusForward(a.lnf.ptr, a.lnfRstd.ptr, x, params.finalNorm.ptr, n: N, C: C, eps: config.rmsNormEps) }
        else { rmsnormForward(a.lnf.ptr, a.lnfRstd.ptr, x, params.finalNorm.ptr, n: N, C: C, eps: config.rmsNormEps) }
    }

    private func activations(B: Int, T: Int) -> Activations {
        if let a = acts, a.B == B, a.T == T { return a }
        // a smaller shape is carved from the old buffer; a bigger one frees it before allocating
        let fits = acts.map { $0.storage.count >= Activations.floatCount(config: config, B: B, T: T, lora: lora?.config) } ?? false
        let old = fits ? acts?.storage : nil
        acts = nil
        let a = Activations(config: config, B: B, T: T, lora: lora?.config, reusing: old)
        acts = a
        return a
    }

    /// RoPE over q or k (or back over their gradients) at each token's position: i % T, or restarting per
    /// conversation in packed rows.
    private func rotate(_ x: UnsafeMutablePointer<Float>, n: Int, T: Int, heads: Int, backward: Bool) {
        positions.withUnsafeBufferPointer { pp in
            let pos = segments == nil ? nil : pp.baseAddress
            if backward { ropeBackward(x, rope, n: n, T: T, posOffset: 0, heads: heads, positions: pos) }
            else { ropeForward(x, rope, n: n, T: T, posOffset: 0, heads: heads, positions: pos) }
        }
    }

    /// Checks and keeps the packed layout (nil: one sequence per row) and the positions it gives every token.
    private func setSegments(_ segs: [[Int]]?, B: Int, T: Int) throws {
        segments = nil; positions = []
        guard let segs else { return }
        guard segs.count == B, segs.allSatisfy({ $0.first == 0 && zip($0, $0.dropFirst()).allSatisfy { $0 < $1 } && $0.last! < T }) else {
            throw SFTError("packed batch layout does not match \(B) x \(T)", hint: "each row needs increasing conversation starts, the first at 0")
        }
        positions = [Int32](repeating: 0, count: B * T)
        for (b, starts) in segs.enumerated() {
            for (j, s) in starts.enumerated() {
                let end = j + 1 < starts.count ? starts[j + 1] : T
                for t in s..<end { positions[b * T + t] = Int32(t - s) }
            }
        }
        segments = segs
    }

    func scratch(_ a: Activations) -> LinearScratch { LinearScratch(dropped: a.dropped.ptr, dxa: a.dxa.ptr) }

    func adapter(_ t: LoRATarget, _ l: Int, _ a: Activations) -> AdapterRef? {
        guard let lora, lora.enabled, let ti = lora.config.targets.firstIndex(of: t) else { return nil }
        let training = dropoutActive
        let r = lora.config.rank
        return AdapterRef(a: lora.a(t, layer: l)!.ptr, b: lora.b(t, layer: l)!.ptr,
                          ga: training ? lora.gradA(t, layer: l)!.ptr : nil, gb: training ? lora.gradB(t, layer: l)!.ptr : nil,
                          xa: a.xa.slice(l).slice(ti).ptr, rank: r, scale: lora.config.scale,
                          dropout: training ? lora.config.dropout : 0,
                          key: SplitMix64.mix(lora.config.seed ^ (dropoutStep &* 0x100000001B3) ^ UInt64(l * 16 + ti)))
    }

    @inline(__always)
    func stage<R>(_ name: String, _ body: () -> R) -> R { StageProfile.measure(name, body) }

    private func checkBatch(tokens: [Int32], targets: [Int32]?, mask: [Float]?, B: Int, T: Int) throws {
        let N = B * T
        if B <= 0 || T <= 0 { throw SFTError("batch \(B) x \(T) is empty", hint: "give at least one sequence of one token") }
        if T > rope.maxPositions {
            throw SFTError("sequence length \(T) exceeds the model's \(rope.maxPositions) positions", hint: "use a shorter max length")
        }
        if tokens.count != N || (targets.map { $0.count != N } ?? false) || (mask.map { $0.count != N } ?? false) {
            throw SFTError("batch arrays do not match \(B) x \(T)", hint: "tokens, targets and mask need B*T entries each")
        }
        let V = Int32(config.vocabSize)
        if let bad = tokens.first(where: { $0 < 0 || $0 >= V }) {
            throw SFTError("token id \(bad) is outside the vocabulary of \(V)", hint: "the tokenizer and model do not match")
        }
        if let targets, let mask {
            for i in 0..<N where mask[i] != 0 && (targets[i] < 0 || targets[i] >= V) {
                throw SFTError("target id \(targets[i]) at position \(i) is outside the vocabulary of \(V)", hint: "mask it out or fix the data")
            }
        }
    }
}
