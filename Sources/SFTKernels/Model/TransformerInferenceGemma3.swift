// Gemma 3 inference with a KV cache: TransformerInference.swift's `run` with Gemma's layer list
// (TransformerGemma3.swift): (1 + w) norms, QK-norm, per-layer RoPE base, sliding window, GeGLU, scaled
// embeddings. The cache keeps every position of every layer (k after norm and RoPE); a sliding layer's query
// reads only the last `sliding_window` of them, the same keys as in training.

extension Transformer {
    func gemma3Run(_ tokens: [Int32], _ cache: KVCache) -> [Float] {
        let c = config, p = params
        let n = tokens.count, p0 = cache.length, Tk = p0 + n
        let (C, Q, KV, FF, V, NH, HS, eps) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.vocabSize, c.numHeads, c.headDim, c.rmsNormEps)
        let r = lora?.config.rank ?? 0
        // scratch: x, ln, y (n,C); q, att (n,Q); gate, up, h (n,FF); probs (NH, n, capacity); xa (n, r); rstds (n*NH)
        let per = 3 * C + 2 * Q + 3 * FF + NH * cache.capacity + r + NH + 16 * 10
        if cache.scratchRows < n || cache.scratch.map({ $0.count < n * per + C }) ?? true {
            cache.scratch = FloatBuffer(count: n * per + C); cache.scratchRows = n
        }
        var carver = Carver(cache.scratch!)
        let x = carver.take([n, C]).ptr, ln = carver.take([n, C]).ptr, y = carver.take([n, C]).ptr
        let q = carver.take([n, Q]).ptr, att = carver.take([n, Q]).ptr
        let gate = carver.take([n, FF]).ptr, up = carver.take([n, FF]).ptr, h = carver.take([n, FF]).ptr
        let probs = carver.take([NH, n, Tk]).ptr, xa = carver.take([n, max(r, 1)]).ptr, rstd = carver.take([n * NH]).ptr
        if n == 1 && halfPrecisionDecode && decodeWeights == nil { decodeWeights = DecodeWeights(p) }
        let dw = n == 1 && halfPrecisionDecode ? decodeWeights : nil
        func hw(_ t: LoRATarget, _ l: Int) -> HalfMatrix? { dw?.layers[l][t] }
        let sc = LinearScratch(dropped: h, dxa: xa)  // dropout is off here, so `dropped` is never written
        func ad(_ t: LoRATarget, _ l: Int) -> AdapterRef? {
            guard let lora, lora.enabled, let A = lora.a(t, layer: l), let Bm = lora.b(t, layer: l) else { return nil }
            return AdapterRef(a: A.ptr, b: Bm.ptr, ga: nil, gb: nil, xa: xa, rank: r, scale: lora.config.scale, dropout: 0, key: 0)
        }
        embeddingForward(x, tokens, p.tokenEmbedding.ptr, n: n, C: C)
        vscale(x, Float(Double(C).squareRoot()), n * C)
        for l in 0..<c.numLayers {
            let kc = cache.k.base + l * cache.capacity * KV, vc = cache.v.base + l * cache.capacity * KV
            let kn = kc + p0 * KV, table = gemma3Rope(layer: l)
            rmsnormOnePlusForward(ln, rstd, x, p.attnNorm.slice(l).ptr, n: n, C: C, eps: eps)
            linearLayerForward(q, ln, p.wq.slice(l).ptr, nil, ad(.q, l), sc, n: n, inF: C, outF: Q, half: hw(.q, l))
            linearLayerForward(kn, ln, p.wk.slice(l).ptr, nil, ad(.k, l), sc, n: n, inF: C, outF: KV, half: hw(.k, l))
            linearLayerForward(vc + p0 * KV, ln, p.wv.slice(l).ptr, nil, ad(.v, l), sc, n: n, inF: C, outF: KV, half: hw(.v, l))
            headRMSNormForward(q, rstd, q, p.qNorm!.slice(l).ptr, n: n, heads: NH, HS: HS, eps: eps, onePlus: true)
            headRMSNormForward(kn, rstd, kn, p.kNorm!.slice(l).ptr, n: n, heads: c.numKVHeads, HS: HS, eps: eps, onePlus: true)
            ropeForward(q, table, n: n, T: n, posOffset: p0, heads: NH)
            ropeForward(kn, table, n: n, T: n, posOffset: p0, heads: c.numKVHeads)
            attentionForward(att, probs, q, kc, vc, B: 1, Tq: n, Tk: Tk, NH: NH, NKV: c.numKVHeads, HS: HS,
                             scale: c.attentionScale, window: c.window(layer: l))
            // x += rmsnorm1p(att @ Wo^T, post_attention_layernorm)
            linearLayerForward(y, att, p.wo.slice(l).ptr, nil, ad(.o, l), sc, n: n, inF: Q, outF: C, half: hw(.o, l))
            rmsnormOnePlusForward(y, rstd, y, p.postAttnNorm!.slice(l).ptr, n: n, C: C, eps: eps)
            vaxpy(x, 1, y, n * C)
            rmsnormOnePlusForward(ln, rstd, x, p.mlpNorm.slice(l).ptr, n: n, C: C, eps: eps)
            linearLayerForward(gate, ln, p.wGate.slice(l).ptr, nil, ad(.gate, l), sc, n: n, inF: C, outF: FF, half: hw(.gate, l))
            linearLayerForward(up, ln, p.wUp.slice(l).ptr, nil, ad(.up, l), sc, n: n, inF: C, outF: FF, half: hw(.up, l))
            gegluForward(h, gate, up, n: n * FF)
            // x += rmsnorm1p(h @ Wdown^T, post_feedforward_layernorm)
            linearLayerForward(y, h, p.wDown.slice(l).ptr, nil, ad(.down, l), sc, n: n, inF: FF, outF: C, half: hw(.down, l))
            rmsnormOnePlusForward(y, rstd, y, p.postFFNorm!.slice(l).ptr, n: n, C: C, eps: eps)
            vaxpy(x, 1, y, n * C)
        }
        cache.advance(n)
        rmsnormOnePlusForward(ln, rstd, x + (n - 1) * C, p.finalNorm.ptr, n: 1, C: C, eps: eps)
        var logits = [Float](repeating: 0, count: V)
        logits.withUnsafeMutableBufferPointer {
            if let dw { halfMatVec($0.baseAddress!, dw.head, ln, accumulate: false) }
            else { linearForward($0.baseAddress!, ln, p.lmHead.ptr, rows: 1, inFeatures: C, outFeatures: V) }
        }
        return logits
    }
}
