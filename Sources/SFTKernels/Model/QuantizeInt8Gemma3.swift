// Gemma 3 in the INT8 copy (QuantizeInt8.swift): the linear layers are int8 there as for every model; this
// file keeps what Gemma adds in fp32 (post-attention and post-feed-forward norms, the sliding layers' RoPE
// table; the q/k norms are Int8Model's, shared with Qwen3) and runs Gemma's layer list (TransformerInferenceGemma3.swift) with int8 linears.

/// Gemma 3's fp32 extras of an Int8Model.
struct Gemma3Int8Extras {
    let storage: FloatBuffer
    let postAttnNorm: View, postFFNorm: View // (L, C)
    let ropeLocal: RoPETable

    /// nil for other architectures. `p` is the merged copy the int8 weights come from.
    init?(_ p: ParameterTensors) {
        guard let pa = p.postAttnNorm, let pf = p.postFFNorm else { return nil }
        let src = [pa, pf]
        var counter = Carver(counting: ())
        for v in src { _ = counter.take(v.shape) }
        storage = FloatBuffer(count: counter.used)
        var k = Carver(storage)
        let kept = src.map { v -> View in let d = k.take(v.shape); d.ptr.update(from: v.ptr, count: v.count); return d }
        (postAttnNorm, postFFNorm) = (kept[0], kept[1])
        let c = p.config
        ropeLocal = RoPETable(headDim: c.headDim, maxPositions: c.maxPositions, theta: c.ropeLocalTheta ?? 10000)
    }
}

extension Int8Model {
    /// `tokens` at positions cache.length... through Gemma's layers with int8 linears; the last position's logits.
    func gemma3Run(_ tokens: [Int32], _ cache: KVCache, _ g: Gemma3Int8Extras) -> [Float] {
        let c = config, n = tokens.count, p0 = cache.length, Tk = p0 + n
        let (C, Q, KV, FF, NH, HS, eps) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.numHeads, c.headDim, c.rmsNormEps)
        let s = FloatBuffer(count: n * (3 * C + 2 * Q + 3 * FF + NH * Tk + NH) + 16 * 12)   // + Carver alignment
        var k = Carver(s)
        let x = k.take([n, C]).ptr, ln = k.take([n, C]).ptr, y = k.take([n, C]).ptr, q = k.take([n, Q]).ptr, att = k.take([n, Q]).ptr
        let gate = k.take([n, FF]).ptr, up = k.take([n, FF]).ptr, h = k.take([n, FF]).ptr
        let probs = k.take([NH, n, Tk]).ptr, rstd = k.take([n * NH]).ptr
        if c.tiedEmbeddings {   // the int8 head is the embedding table: dequantize each token's row
            for (i, t) in tokens.enumerated() { head.dequantizeRow(Int(t), x + i * C, scale: head.scales[Int(t)]) }
        } else {
            embeddingForward(x, tokens, embedding!.ptr, n: n, C: C)
        }
        vscale(x, Float(Double(C).squareRoot()), n * C)
        for l in 0..<c.numLayers {
            let w = layers[l], window = c.window(layer: l), table = window > 0 ? g.ropeLocal : rope
            let kc = cache.k.base + l * cache.capacity * KV, vc = cache.v.base + l * cache.capacity * KV, kn = kc + p0 * KV
            rmsnormOnePlusForward(ln, rstd, x, attnNorm.slice(l).ptr, n: n, C: C, eps: eps)
            w[.q]!.matmul(q, ln, n: n)
            w[.k]!.matmul(kn, ln, n: n)
            w[.v]!.matmul(vc + p0 * KV, ln, n: n)
            headRMSNormForward(q, rstd, q, qNorm!.slice(l).ptr, n: n, heads: NH, HS: HS, eps: eps, onePlus: true)
            headRMSNormForward(kn, rstd, kn, kNorm!.slice(l).ptr, n: n, heads: c.numKVHeads, HS: HS, eps: eps, onePlus: true)
            ropeForward(q, table, n: n, T: n, posOffset: p0, heads: NH)
            ropeForward(kn, table, n: n, T: n, posOffset: p0, heads: c.numKVHeads)
            attentionForward(att, probs, q, kc, vc, B: 1, Tq: n, Tk: Tk, NH: NH, NKV: c.numKVHeads, HS: HS,
                             scale: c.attentionScale, window: window)
            w[.o]!.matmul(y, att, n: n)
            rmsnormOnePlusForward(y, rstd, y, g.postAttnNorm.slice(l).ptr, n: n, C: C, eps: eps)
            vaxpy(x, 1, y, n * C)
            rmsnormOnePlusForward(ln, rstd, x, mlpNorm.slice(l).ptr, n: n, C: C, eps: eps)
            w[.gate]!.matmul(gate, ln, n: n)
            w[.up]!.matmul(up, ln, n: n)
            gegluForward(h, gate, up, n: n * FF)
            w[.down]!.matmul(y, h, n: n)
            rmsnormOnePlusForward(y, rstd, y, g.postFFNorm.slice(l).ptr, n: n, C: C, eps: eps)
            vaxpy(x, 1, y, n * C)
        }
        cache.advance(n)
        rmsnormOnePlusForward(ln, rstd, x + (n - 1) * C, finalNorm.ptr, n: 1, C: C, eps: eps)
        var logits = [Float](repeating: 0, count: c.vocabSize)
        logits.withUnsafeMutableBufferPointer { head.matvec($0.baseAddress!, ln) }
        return logits
    }
}
