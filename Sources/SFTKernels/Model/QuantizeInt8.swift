// QuantizeInt8: an inference-only INT8 copy of a model for chat-testing what a quantized deployment would say.
// Every linear weight W (out, in), and the head, is an Int8Matrix (per-row absmax, Tensor/KernelsInt8.swift):
// decoding multiplies one token with `matvec`, a prompt runs as one batch through `matmul`, like Transformer's.
// Norms (the per-head q/k norms of Qwen3 and Gemma 3 too) and biases stay fp32, and so does an untied embedding
// (a tied one is read from the int8 head); RMSNorm, RoPE, attention and SwiGLU are the training kernels, and
// the KV cache is the fp32 KVCache, so only the linear layers differ from Transformer's decode path.
// LoRA is merged before quantizing (Int8Model(params:lora:) merges into a copy). `DecodingModel` is what a
// generator needs from either model.
import Foundation

/// What generation needs: prefill a prompt, decode one token, both returning the last position's logits (V).
public protocol DecodingModel: AnyObject {
    var config: ModelConfig { get }
    func prefill(_ tokens: [Int32], cache: KVCache) throws -> [Float]
    func decodeStep(_ token: Int32, cache: KVCache) throws -> [Float]
}

extension Transformer: DecodingModel {}

/// An INT8 copy of a model (LoRA merged) that decodes with the fp32 kernels for everything but the linears.
public final class Int8Model: DecodingModel, @unchecked Sendable {
    public let config: ModelConfig
    let small: FloatBuffer            // the fp32 tensors kept, carved into the views below
    let attnNorm: View, mlpNorm: View // (L, C)
    let finalNorm: View               // (C)
    let bq: View?, bk: View?, bv: View?   // (L, Q), (L, KV), (L, KV)  Qwen2 only
    let qNorm: View?, kNorm: View?    // (L, HS)  Qwen3 and Gemma 3
    let embedding: View?              // (V, C) untied only; a tied embedding is read from the int8 head
    let layers: [[LoRATarget: Int8Matrix]]
    let head: Int8Matrix
    let rope: RoPETable
    let gemma3: Gemma3Int8Extras?     // Gemma 3's fp32 norms and local RoPE (QuantizeInt8Gemma3.swift)

    /// Quantizes `params` with `lora` (if enabled) merged into a copy; the given weights are untouched.
    public init(params: ParameterTensors, lora: LoRA? = nil) {
        let merged = params.mergedCopy(lora: lora)
        let c = params.config
        config = c
        let fp32: [View?] = [merged.attnNorm, merged.mlpNorm, merged.finalNorm, merged.bq, merged.bk, merged.bv,
                             c.tiedEmbeddings ? nil : merged.tokenEmbedding, merged.qNorm, merged.kNorm]
        var counter = Carver(counting: ())
        for v in fp32 { if let v { _ = counter.take(v.shape) } }
        small = FloatBuffer(count: counter.used)
        var carver = Carver(small)
        let kept: [View?] = fp32.map { v in
            guard let v else { return nil }
            let dst = carver.take(v.shape)
            dst.ptr.update(from: v.ptr, count: v.count)
            return dst
        }
        (attnNorm, mlpNorm, finalNorm) = (kept[0]!, kept[1]!, kept[2]!)
        (bq, bk, bv, embedding) = (kept[3], kept[4], kept[5], kept[6])
        (qNorm, kNorm) = (kept[7], kept[8])
        layers = (0..<c.numLayers).map { l in
            var d: [LoRATarget: Int8Matrix] = [:]
            for t in LoRATarget.allCases {
                let (i, o) = t.dims(c)
                d[t] = Int8Matrix(t.weight(merged, layer: l).ptr, rows: o, cols: i)
            }
            return d
        }
        head = Int8Matrix(merged.lmHead.ptr, rows: c.vocabSize, cols: c.hiddenSize)
        rope = RoPETable(headDim: c.headDim, maxPositions: c.maxPositions, theta: c.ropeTheta, scaling: c.ropeScaling)
        gemma3 = Gemma3Int8Extras(merged)
    }

    /// Bytes held: int8 weights + scales + the fp32 tensors kept (norms, biases, untied embedding).
    public var bytes: Int {
        layers.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.bytes } } + head.bytes + small.count * 4 + (gemma3?.storage.count ?? 0) * 4
    }

    public func prefill(_ tokens: [Int32], cache: KVCache) throws -> [Float] {
        if tokens.isEmpty { throw SFTError("nothing to prefill", hint: "give at least one token") }
        if cache.config != config { throw SFTError("KV cache was built for another model", hint: "make a new cache") }
        if cache.length + tokens.count > min(cache.capacity, config.maxPositions) {
            throw SFTError("context full: \(cache.length) + \(tokens.count) tokens exceed \(min(cache.capacity, config.maxPositions))",
                           hint: "start a new conversation or use a shorter prompt")
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw SFTError("token id \(bad) is outside the vocabulary of \(config.vocabSize)", hint: "the tokenizer and model do not match")
        }
        return run(tokens, cache)
    }

    public func decodeStep(_ token: Int32, cache: KVCache) throws -> [Float] { try prefill([token], cache: cache) }

    /// `tokens` at positions cache.length... through every layer (Transformer.run with int8 linears); returns
    /// the last position's logits.
    private func run(_ tokens: [Int32], _ cache: KVCache) -> [Float] {
        if let gemma3 { return gemma3Run(tokens, cache, gemma3) }
        let c = config, n = tokens.count, p0 = cache.length, Tk = p0 + n
        let (C, Q, KV, FF, NH) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.numHeads)
        let s = FloatBuffer(count: n * (2 * C + 2 * Q + 3 * FF + NH * Tk + 1 + NH) + 16 * 11)   // + Carver alignment
        var k = Carver(s)
        let x = k.take([n, C]).ptr, ln = k.take([n, C]).ptr, q = k.take([n, Q]).ptr, att = k.take([n, Q]).ptr
        let gate = k.take([n, FF]).ptr, up = k.take([n, FF]).ptr, h = k.take([n, FF]).ptr
        let probs = k.take([NH, n, Tk]).ptr, rstd = k.take([n]).ptr, headRstd = k.take([n, NH]).ptr
        if c.tiedEmbeddings {   // the int8 head is the embedding table: dequantize each token's row
            for (i, t) in tokens.enumerated() { head.dequantizeRow(Int(t), x + i * C, scale: head.scales[Int(t)]) }
        } else {
            embeddingForward(x, tokens, embedding!.ptr, n: n, C: C)
        }
        func bias(_ y: UnsafeMutablePointer<Float>, _ b: View?, _ l: Int, _ width: Int) {
            guard let b else { return }
            let bp = b.slice(l).ptr
            for i in 0..<n { for j in 0..<width { y[i * width + j] += bp[j] } }
        }
        for l in 0..<c.numLayers {
            let w = layers[l]
            let kc = cache.k.base + l * cache.capacity * KV, vc = cache.v.base + l * cache.capacity * KV
            rmsnormForward(ln, rstd, x, attnNorm.slice(l).ptr, n: n, C: C, eps: c.rmsNormEps)
            w[.q]!.matmul(q, ln, n: n); bias(q, bq, l, Q)
            w[.k]!.matmul(kc + p0 * KV, ln, n: n); bias(kc + p0 * KV, bk, l, KV)
            w[.v]!.matmul(vc + p0 * KV, ln, n: n); bias(vc + p0 * KV, bv, l, KV)
            if let qn = qNorm, let kn = kNorm {   // Qwen3: per-head RMSNorm of q and the new keys, in place
                headRMSNormForward(q, headRstd, q, qn.slice(l).ptr, n: n, heads: NH, HS: c.headDim, eps: c.rmsNormEps, onePlus: false)
                headRMSNormForward(kc + p0 * KV, headRstd, kc + p0 * KV, kn.slice(l).ptr, n: n, heads: c.numKVHeads, HS: c.headDim, eps: c.rmsNormEps, onePlus: false)
            }
            ropeForward(q, rope, n: n, T: n, posOffset: p0, heads: NH)
            ropeForward(kc + p0 * KV, rope, n: n, T: n, posOffset: p0, heads: c.numKVHeads)
            attentionForward(att, probs, q, kc, vc, B: 1, Tq: n, Tk: Tk, NH: NH, NKV: c.numKVHeads, HS: c.headDim)
            w[.o]!.matmul(x, att, n: n, accumulate: true)
            rmsnormForward(ln, rstd, x, mlpNorm.slice(l).ptr, n: n, C: C, eps: c.rmsNormEps)
            w[.gate]!.matmul(gate, ln, n: n)
            w[.up]!.matmul(up, ln, n: n)
            swigluForward(h, gate, up, n: n * FF)
            w[.down]!.matmul(x, h, n: n, accumulate: true)
        }
        cache.advance(n)
        rmsnormForward(ln, rstd, x + (n - 1) * C, finalNorm.ptr, n: 1, C: C, eps: c.rmsNormEps)
        var logits = [Float](repeating: 0, count: c.vocabSize)
        logits.withUnsafeMutableBufferPointer { head.matvec($0.baseAddress!, ln) }
        return logits
    }
}
