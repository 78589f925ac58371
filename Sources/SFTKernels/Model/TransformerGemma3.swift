// The Gemma 3 decoder's training pass: the same flat list of kernel calls as the Llama layer list in
// Transformer.swift, with Gemma's differences (HF transformers' modeling_gemma3.py, eager attention):
//   x0 = embedding[tokens] * sqrt(C)                 (the scale rounded to fp32, as HF's embed_scale)
//   per layer: ln1 = rmsnorm1p(x, input_layernorm)
//              q, k, v = ln1 @ W^T;  q, k = rmsnorm1p per head (q_norm, k_norm);  RoPE with the local base on
//              sliding layers, rope_theta on full ones;  att = attention(scale query_pre_attn_scalar^-1/2,
//              window sliding_window on sliding layers);  ao = att @ Wo^T
//              resid2 = x + rmsnorm1p(ao, post_attention_layernorm)
//              ln2 = rmsnorm1p(resid2, pre_feedforward_layernorm);  h = gelu_tanh(ln2 @ Wg^T) * (ln2 @ Wu^T)
//              mo = h @ Wd^T;  out = resid2 + rmsnorm1p(mo, post_feedforward_layernorm)
//   rmsnorm1p scales by (1 + w) (KernelsHeadNorm.swift). The final norm (1 + w) and the fused head are in
//   Transformer.forward; Gemma 3 has no logit soft-capping (the loaders refuse configs that set it).
// Activations the Llama list does not keep live in Gemma3Activations; the shared ones keep their meaning
// (q, k after norm and RoPE; resid2; ln2 the pre-feed-forward norm's output).

/// What Gemma 3's layers save beyond `Activations`, for one (B, T). N = B*T. (The projections before q_norm /
/// k_norm, their rstd and gradients are Activations' qLin, kLin, qRstd, kRstd, dqLin, dkLin, shared with Qwen3.)
struct Gemma3Activations {
    let B: Int, T: Int
    let storage: FloatBuffer
    let ao: View, aoRstd: View          // (L, N, C) attention output after o_proj, (L, N)
    let mo: View, moRstd: View          // (L, N, C) MLP output after down_proj, (L, N)
    // scratch of one layer
    let tmp: View                       // (N, C) a normed branch before its residual add; its gradient in backward

    init(config c: ModelConfig, B: Int, T: Int) {
        let (N, L, C) = (B * T, c.numLayers, c.hiddenSize)
        func carve(_ k: inout Carver) -> [View] {
            [k.take([L, N, C]), k.take([L, N]), k.take([L, N, C]), k.take([L, N]), k.take([N, C])]
        }
        var counter = Carver(counting: ())
        _ = carve(&counter)
        storage = FloatBuffer(count: counter.used)
        var k = Carver(storage)
        let v = carve(&k)
        self.B = B; self.T = T
        (ao, aoRstd, mo, moRstd, tmp) = (v[0], v[1], v[2], v[3], v[4])
    }
}

extension Transformer {
    private func gemma3Activations(B: Int, T: Int) -> Gemma3Activations {
        if let g = gemma3Acts, g.B == B, g.T == T { return g }
        gemma3Acts = nil   // free the old shape before allocating the new one
        let g = Gemma3Activations(config: config, B: B, T: T)
        gemma3Acts = g
        return g
    }

    /// RoPE table of layer l: the local one on sliding layers.
    func gemma3Rope(layer l: Int) -> RoPETable { config.window(layer: l) > 0 ? (ropeLocal ?? rope) : rope }

    /// RoPE over q or k (or back over their gradients) with layer l's table, at each token's position.
    private func gemma3Rotate(_ x: UnsafeMutablePointer<Float>, layer l: Int, n: Int, T: Int, heads: Int, backward: Bool) {
        let table = gemma3Rope(layer: l)
        positions.withUnsafeBufferPointer { pp in
            let pos = segments == nil ? nil : pp.baseAddress
            if backward { ropeBackward(x, table, n: n, T: T, posOffset: 0, heads: heads, positions: pos) }
            else { ropeForward(x, table, n: n, T: T, posOffset: 0, heads: heads, positions: pos) }
        }
    }

    func gemma3LayersForward(_ a: Activations, B: Int, T: Int) {
        let c = config, p = params, ga = gemma3Activations(B: B, T: T)
        let (N, C, Q, KV, FF, HS, eps) = (B * T, c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.headDim, c.rmsNormEps)
        let sc = scratch(a), tmp = ga.tmp.ptr
        stage("embedding") {
            embeddingForward(a.resid.ptr, tokens, p.tokenEmbedding.ptr, n: N, C: C)
            vscale(a.resid.ptr, Float(Double(C).squareRoot()), N * C)
        }
        for l in 0..<c.numLayers {
            let x = a.resid.slice(l).ptr, ln1 = a.ln1.slice(l).ptr, q = a.q.slice(l).ptr, k = a.k.slice(l).ptr, v = a.v.slice(l).ptr
            let att = a.attOut.slice(l).ptr, r2 = a.resid2.slice(l).ptr, ln2 = a.ln2.slice(l).ptr
            let gate = a.gate.slice(l).ptr, up = a.up.slice(l).ptr, out = a.resid.slice(l + 1).ptr
            let qRaw = a.qLin.slice(l).ptr, kRaw = a.kLin.slice(l).ptr, ao = ga.ao.slice(l).ptr, mo = ga.mo.slice(l).ptr
            stage("rmsnorm") { rmsnormOnePlusForward(ln1, a.ln1Rstd.slice(l).ptr, x, p.attnNorm.slice(l).ptr, n: N, C: C, eps: eps) }
            stage("linear fwd") { linearLayerForward(qRaw, ln1, p.wq.slice(l).ptr, nil, adapter(.q, l, a), sc, n: N, inF: C, outF: Q) }
            stage("linear fwd") { linearLayerForward(kRaw, ln1, p.wk.slice(l).ptr, nil, adapter(.k, l, a), sc, n: N, inF: C, outF: KV) }
            stage("linear fwd") { linearLayerForward(v, ln1, p.wv.slice(l).ptr, nil, adapter(.v, l, a), sc, n: N, inF: C, outF: KV) }
            stage("rmsnorm") {
                headRMSNormForward(q, a.qRstd.slice(l).ptr, qRaw, p.qNorm!.slice(l).ptr, n: N, heads: c.numHeads, HS: HS, eps: eps, onePlus: true)
                headRMSNormForward(k, a.kRstd.slice(l).ptr, kRaw, p.kNorm!.slice(l).ptr, n: N, heads: c.numKVHeads, HS: HS, eps: eps, onePlus: true)
            }
            stage("rope") { gemma3Rotate(q, layer: l, n: N, T: T, heads: c.numHeads, backward: false) }
            stage("rope") { gemma3Rotate(k, layer: l, n: N, T: T, heads: c.numKVHeads, backward: false) }
            stage("attention fwd") { attentionForward(att, a.probs.slice(a.storesProbs ? l : 0).ptr, q, k, v, B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads,
                                                      HS: HS, segments: segments, scale: c.attentionScale, window: c.window(layer: l)) }
            stage("linear fwd") { linearLayerForward(ao, att, p.wo.slice(l).ptr, nil, adapter(.o, l, a), sc, n: N, inF: Q, outF: C) }
            // resid2 = x + rmsnorm1p(ao, post_attention_layernorm)
            stage("rmsnorm") { rmsnormOnePlusForward(tmp, ga.aoRstd.slice(l).ptr, ao, p.postAttnNorm!.slice(l).ptr, n: N, C: C, eps: eps) }
            stage("copies") { residualForward(r2, x, tmp, n: N * C) }
            stage("rmsnorm") { rmsnormOnePlusForward(ln2, a.ln2Rstd.slice(l).ptr, r2, p.mlpNorm.slice(l).ptr, n: N, C: C, eps: eps) }
            stage("linear fwd") { linearLayerForward(gate, ln2, p.wGate.slice(l).ptr, nil, adapter(.gate, l, a), sc, n: N, inF: C, outF: FF) }
            stage("linear fwd") { linearLayerForward(up, ln2, p.wUp.slice(l).ptr, nil, adapter(.up, l, a), sc, n: N, inF: C, outF: FF) }
            stage("geglu") { gegluForward(a.h.ptr, gate, up, n: N * FF) }
            stage("linear fwd") { linearLayerForward(mo, a.h.ptr, p.wDown.slice(l).ptr, nil, adapter(.down, l, a), sc, n: N, inF: FF, outF: C) }
            // resid[l+1] = resid2 + rmsnorm1p(mo, post_feedforward_layernorm)
            stage("rmsnorm") { rmsnormOnePlusForward(tmp, ga.moRstd.slice(l).ptr, mo, p.postFFNorm!.slice(l).ptr, n: N, C: C, eps: eps) }
            stage("copies") { residualForward(out, r2, tmp, n: N * C) }
        }
    }

    /// The Gemma layer list reversed; a.dres holds d resid[L] (the final norm's backward is done).
    func gemma3LayersBackward(_ a: Activations) {
        let c = config, p = params, g = grads, ga = gemma3Activations(B: a.B, T: a.T)
        let (B, T) = (a.B, a.T)
        let (N, C, Q, KV, FF, HS) = (B * T, c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.headDim)
        let sc = scratch(a), dres = a.dres.ptr, dln = a.dln.ptr, dtmp = ga.tmp.ptr
        for l in stride(from: c.numLayers - 1, through: 0, by: -1) {
            let x = a.resid.slice(l).ptr, ln1 = a.ln1.slice(l).ptr, q = a.q.slice(l).ptr, k = a.k.slice(l).ptr, v = a.v.slice(l).ptr
            let att = a.attOut.slice(l).ptr, r2 = a.resid2.slice(l).ptr, ln2 = a.ln2.slice(l).ptr
            let gate = a.gate.slice(l).ptr, up = a.up.slice(l).ptr
            let qRaw = a.qLin.slice(l).ptr, kRaw = a.kLin.slice(l).ptr, ao = ga.ao.slice(l).ptr, mo = ga.mo.slice(l).ptr
            // forward: resid[l+1] = resid2 + rmsnorm1p(mo, postFFNorm)  (dres carries on as d resid2)
            stage("rmsnorm") {
                ga.tmp.buffer.update(repeating: 0)
                rmsnormOnePlusBackward(dtmp, g?.postFFNorm?.slice(l).ptr, dres, mo, p.postFFNorm!.slice(l).ptr, ga.moRstd.slice(l).ptr, n: N, C: C)
            }
            // forward: mo = h @ Wdown^T  (h recomputed when the down weight or its adapter needs it)
            if g != nil || adapter(.down, l, a) != nil { stage("geglu") { gegluForward(a.h.ptr, gate, up, n: N * FF) } }
            stage("linear bwd") { linearLayerBackward(a.dh.ptr, g?.wDown.slice(l).ptr, nil, dtmp, a.h.ptr, p.wDown.slice(l).ptr, adapter(.down, l, a), sc,
                                                      n: N, inF: FF, outF: C, overwriteDx: true) }
            // forward: h = gelu_tanh(gate) * up
            stage("geglu") { gegluBackward(a.dgate.ptr, a.dup.ptr, a.dh.ptr, gate, up, n: N * FF) }
            // forward: gate = ln2 @ Wgate^T;  up = ln2 @ Wup^T
            stage("linear bwd") { linearLayerBackward(dln, g?.wGate.slice(l).ptr, nil, a.dgate.ptr, ln2, p.wGate.slice(l).ptr, adapter(.gate, l, a), sc,
                                                      n: N, inF: C, outF: FF, overwriteDx: true) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wUp.slice(l).ptr, nil, a.dup.ptr, ln2, p.wUp.slice(l).ptr, adapter(.up, l, a), sc, n: N, inF: C, outF: FF) }
            // forward: ln2 = rmsnorm1p(resid2, mlpNorm)
            stage("rmsnorm") { rmsnormOnePlusBackward(dres, g?.mlpNorm.slice(l).ptr, dln, r2, p.mlpNorm.slice(l).ptr, a.ln2Rstd.slice(l).ptr, n: N, C: C) }
            // forward: resid2 = x + rmsnorm1p(ao, postAttnNorm)  (dres carries on as d x)
            stage("rmsnorm") {
                ga.tmp.buffer.update(repeating: 0)
                rmsnormOnePlusBackward(dtmp, g?.postAttnNorm?.slice(l).ptr, dres, ao, p.postAttnNorm!.slice(l).ptr, ga.aoRstd.slice(l).ptr, n: N, C: C)
            }
            // forward: ao = att @ Wo^T
            stage("linear bwd") { linearLayerBackward(a.dattOut.ptr, g?.wo.slice(l).ptr, nil, dtmp, att, p.wo.slice(l).ptr, adapter(.o, l, a), sc,
                                                      n: N, inF: Q, outF: C, overwriteDx: true) }
            // forward: att = attention(q, k, v)  (probabilities stored per layer, or recomputed when too big)
            let probs = a.probs.slice(a.storesProbs ? l : 0).ptr
            if !a.storesProbs {
                stage("attention recompute") { attentionForward(nil, probs, q, k, v, B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads, HS: HS,
                                                                segments: segments, scale: c.attentionScale, window: c.window(layer: l)) }
            }
            stage("attention bwd") { attentionBackward(a.dq.ptr, a.dk.ptr, a.dv.ptr, a.dprobs.ptr, a.dattOut.ptr, q, k, v, probs,
                                                       B: B, Tq: T, Tk: T, NH: c.numHeads, NKV: c.numKVHeads, HS: HS, segments: segments, scale: c.attentionScale) }
            // forward: q, k = rope(q), rope(k)
            stage("rope") { gemma3Rotate(a.dq.ptr, layer: l, n: N, T: T, heads: c.numHeads, backward: true) }
            stage("rope") { gemma3Rotate(a.dk.ptr, layer: l, n: N, T: T, heads: c.numKVHeads, backward: true) }
            // forward: q = rmsnorm1p(qRaw, qNorm) per head;  k = rmsnorm1p(kRaw, kNorm) per head
            stage("rmsnorm") {
                a.dqLin.buffer.update(repeating: 0); a.dkLin.buffer.update(repeating: 0)
                headRMSNormBackward(a.dqLin.ptr, g?.qNorm?.slice(l).ptr, a.dq.ptr, qRaw, p.qNorm!.slice(l).ptr, a.qRstd.slice(l).ptr,
                                    n: N, heads: c.numHeads, HS: HS, onePlus: true)
                headRMSNormBackward(a.dkLin.ptr, g?.kNorm?.slice(l).ptr, a.dk.ptr, kRaw, p.kNorm!.slice(l).ptr, a.kRstd.slice(l).ptr,
                                    n: N, heads: c.numKVHeads, HS: HS, onePlus: true)
            }
            // forward: qRaw = ln1 @ Wq^T;  kRaw = ln1 @ Wk^T;  v = ln1 @ Wv^T
            stage("linear bwd") { linearLayerBackward(dln, g?.wq.slice(l).ptr, nil, a.dqLin.ptr, ln1, p.wq.slice(l).ptr, adapter(.q, l, a), sc,
                                                      n: N, inF: C, outF: Q, overwriteDx: true) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wk.slice(l).ptr, nil, a.dkLin.ptr, ln1, p.wk.slice(l).ptr, adapter(.k, l, a), sc, n: N, inF: C, outF: KV) }
            stage("linear bwd") { linearLayerBackward(dln, g?.wv.slice(l).ptr, nil, a.dv.ptr, ln1, p.wv.slice(l).ptr, adapter(.v, l, a), sc, n: N, inF: C, outF: KV) }
            // forward: ln1 = rmsnorm1p(x, attnNorm)
            stage("rmsnorm") { rmsnormOnePlusBackward(dres, g?.attnNorm.slice(l).ptr, dln, x, p.attnNorm.slice(l).ptr, a.ln1Rstd.slice(l).ptr, n: N, C: C) }
        }
        // forward: resid[0] = embedding[tokens] * sqrt(C)
        if let g {
            vscale(dres, Float(Double(C).squareRoot()), N * C)
            embeddingBackward(g.tokenEmbedding.ptr, dres, tokens, n: N, C: C)
        }
    }
}

/// x[0..<n] *= s.
func vscale(_ x: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
    Parallel.rows(n, minPerChunk: 1 << 14) { r in
        var i = r.lowerBound
        let sv = splat(s)
        while i + 16 <= r.upperBound { store16(load16(x + i) * sv, x + i); i += 16 }
        while i < r.upperBound { x[i] *= s; i += 1 }
    }
}
