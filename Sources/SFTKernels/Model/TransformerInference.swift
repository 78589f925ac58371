// Inference with a KV cache, one sequence: `prefill` runs a chunk of prompt tokens through every layer and
// appends their keys/values to the cache; `decodeStep` does the same for one token. Both return the logits
// (V) of the last position and use the same kernels as training, so prefill's logits equal the training
// forward's. LoRA adapters apply when attached and enabled (no dropout).

/// Keys and values of every layer for positions 0..<length, plus the per-call scratch.
public final class KVCache: @unchecked Sendable {
    public let config: ModelConfig
    public let capacity: Int
    public let k: FloatBuffer          // (L, capacity, NKV*HS), after RoPE
    public let v: FloatBuffer          // (L, capacity, NKV*HS)
    public private(set) var length = 0
    var scratch: FloatBuffer? = nil
    var scratchRows = 0

    public init(config: ModelConfig, capacity: Int) {
        self.config = config
        self.capacity = capacity
        k = FloatBuffer(count: config.numLayers * capacity * config.kvDim)
        v = FloatBuffer(count: config.numLayers * capacity * config.kvDim)
    }

    /// Forgets every position (the memory stays).
    public func reset() { length = 0 }

    func advance(_ n: Int) { length += n }
}

/// fp16 copies of every layer's linear weights and the head, built on the first decode step.
struct DecodeWeights {
    let layers: [[LoRATarget: HalfMatrix]]
    let head: HalfMatrix

    init?(_ p: ParameterTensors) {
        let c = p.config
        guard HalfMatrix.supports(cols: c.hiddenSize), HalfMatrix.supports(cols: c.qDim),
              HalfMatrix.supports(cols: c.intermediateSize) else { return nil }
        layers = (0..<c.numLayers).map { l in
            var d: [LoRATarget: HalfMatrix] = [:]
            for t in LoRATarget.allCases {
                let (i, o) = t.dims(c)
                d[t] = HalfMatrix(t.weight(p, layer: l).ptr, rows: o, cols: i)
            }
            return d
        }
        head = HalfMatrix(p.lmHead.ptr, rows: c.vocabSize, cols: c.hiddenSize)
    }
}

extension Transformer {
    /// Runs `tokens` after the cached positions; returns the logits (V) of the last token.
    public func prefill(_ tokens: [Int32], cache: KVCache) throws -> [Float] {
        if tokens.isEmpty { throw SFTError("nothing to prefill", hint: "give at least one token") }
        if cache.config != config { throw SFTError("KV cache was built for another model", hint: "make a new cache") }
        if cache.length + tokens.count > min(cache.capacity, rope.maxPositions) {
            throw SFTError("context full: \(cache.length) + \(tokens.count) tokens exceed \(min(cache.capacity, rope.maxPositions))",
                           hint: "start a new conversation or use a shorter prompt")
        }
        let V = Int32(config.vocabSize)
        if let bad = tokens.first(where: { $0 < 0 || $0 >= V }) {
            throw SFTError("token id \(bad) is outside the vocabulary of \(V)", hint: "the tokenizer and model do not match")
        }
        return config.architecture == .gemma3 ? gemma3Run(tokens, cache) : run(tokens, cache)
    }

    /// One token after the cached positions; returns its logits (V).
    public func decodeStep(_ token: Int32, cache: KVCache) throws -> [Float] {
        try prefill([token], cache: cache)
    }

    private func run(_ tokens: [Int32], _ cache: KVCache) -> [Float] {
        let c = config, p = params
        let n = tokens.count, p0 = cache.length, Tk = p0 + n
        let (C, Q, KV, FF, V, NH) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.vocabSize, c.numHeads)
        let r = lora?.config.rank ?? 0
        // scratch: x, ln (n,C); q, att (n,Q); gate, up, h (n,FF); probs (NH, n, capacity); xa (n, r); head rstd (n, NH)
        let per = 2 * C + 2 * Q + 3 * FF + NH * cache.capacity + r + NH + 16 * 12
        if cache.scratchRows < n { cache.scratch = FloatBuffer(count: n * per + C); cache.scratchRows = n }
        var carver = Carver(cache.scratch!)
        let x = carver.take([n, C]).ptr, ln = carver.take([n, C]).ptr, q = carver.take([n, Q]).ptr, att = carver.take([n, Q]).ptr
        let gate = carver.take([n, FF]).ptr, up = carver.take([n, FF]).ptr, h = carver.take([n, FF]).ptr
        let probs = carver.take([NH, n, Tk]).ptr, xa = carver.take([n, max(r, 1)]).ptr, rstd = carver.take([n]).ptr
        let headRstd = carver.take([n, NH]).ptr
        if n == 1 && halfPrecisionDecode && decodeWeights == nil { decodeWeights = DecodeWeights(p) }
        let dw = n == 1 && halfPrecisionDecode ? decodeWeights : nil
        func hw(_ t: LoRATarget, _ l: Int) -> HalfMatrix? { dw?.layers[l][t] }
        let sc = LinearScratch(dropped: h, dxa: xa)  // dropout is off here, so `dropped` is never written
        func ad(_ t: LoRATarget, _ l: Int) -> AdapterRef? {
            guard let lora, lora.enabled, let A = lora.a(t, layer: l), let Bm = lora.b(t, layer: l) else { return nil }
            return AdapterRef(a: A.ptr, b: Bm.ptr, ga: nil, gb: nil, xa: xa, rank: r, scale: lora.config.scale, dropout: 0, key: 0)
        }
        embeddingForward(x, tokens, p.tokenEmbedding.ptr, n: n, C: C)
        for l in 0..<c.numLayers {
            let kc = cache.k.base + l * cache.capacity * KV, vc = cache.v.base + l * cache.capacity * KV
            rmsnormForward(ln, rstd, x, p.attnNorm.slice(l).ptr, n: n, C: C, eps: c.rmsNormEps)
            linearLayerForward(q, ln, p.wq.slice(l).ptr, p.bq?.slice(l).ptr, ad(.q, l), sc, n: n, inF: C, outF: Q, half: hw(.q, l))
            linearLayerForward(kc + p0 * KV, ln, p.wk.slice(l).ptr, p.bk?.slice(l).ptr, ad(.k, l), sc, n: n, inF: C, outF: KV, half: hw(.k, l))
            linearLayerForward(vc + p0 * KV, ln, p.wv.slice(l).ptr, p.bv?.slice(l).ptr, ad(.v, l), sc, n: n, inF: C, outF: KV, half: hw(.v, l))
            if let qn = p.qNorm, let kn = p.kNorm {   // Qwen3: per-head RMSNorm of q and the new keys, in place
                headRMSNormForward(q, headRstd, q, qn.slice(l).ptr, n: n, heads: NH, HS: c.headDim, eps: c.rmsNormEps, onePlus: false)
                headRMSNormForward(kc + p0 * KV, headRstd, kc + p0 * KV, kn.slice(l).ptr, n: n, heads: c.numKVHeads, HS: c.headDim, eps: c.rmsNormEps, onePlus: false)
            }
            ropeForward(q, rope, n: n, T: n, posOffset: p0, heads: NH)
            ropeForward(kc + p0 * KV, rope, n: n, T: n, posOffset: p0, heads: c.numKVHeads)
            attentionForward(att, probs, q, kc, vc, B: 1, Tq: n, Tk: Tk, NH: NH, NKV: c.numKVHeads, HS: c.headDim)
            linearLayerForward(x, att, p.wo.slice(l).ptr, nil, ad(.o, l), sc, n: n, inF: Q, outF: C, accumulate: true, half: hw(.o, l))
            rmsnormForward(ln, rstd, x, p.mlpNorm.slice(l).ptr, n: n, C: C, eps: c.rmsNormEps)
            linearLayerForward(gate, ln, p.wGate.slice(l).ptr, nil, ad(.gate, l), sc, n: n, inF: C, outF: FF, half: hw(.gate, l))
            linearLayerForward(up, ln, p.wUp.slice(l).ptr, nil, ad(.up, l), sc, n: n, inF: C, outF: FF, half: hw(.up, l))
            swigluForward(h, gate, up, n: n * FF)
            linearLayerForward(x, h, p.wDown.slice(l).ptr, nil, ad(.down, l), sc, n: n, inF: FF, outF: C, accumulate: true, half: hw(.down, l))
        }
        cache.advance(n)
        let lastX = x + (n - 1) * C
        rmsnormForward(ln, rstd, lastX, p.finalNorm.ptr, n: 1, C: C, eps: c.rmsNormEps)
        var logits = [Float](repeating: 0, count: V)
        logits.withUnsafeMutableBufferPointer {
            if let dw { halfMatVec($0.baseAddress!, dw.head, ln, accumulate: false) }
            else { linearForward($0.baseAddress!, ln, p.lmHead.ptr, rows: 1, inFeatures: C, outFeatures: V) }
        }
        return logits
    }
}
