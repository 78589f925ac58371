// QuantizeInt8: an inference-only INT8 copy of a model for chat-testing what a quantized deployment would say.
// Every linear weight W (out, in), and the head, is stored per-row symmetric absmax:
//   scale[r] = max_j |W[r, j]| / 127,   q[r, j] = round(W[r, j] / scale[r]) in [-127, 127]
// and the matvec dequantizes on the fly: y[r] = scale[r] * sum_j q[r, j] * x[j] (SIMD16, rows in parallel).
// Norms and biases stay fp32, and so does an untied embedding (a tied one is read from the int8 head); RMSNorm, RoPE, attention and SwiGLU are the training kernels, and
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

/// A (rows, cols) matrix as int8 with one fp32 scale per row.
public struct Int8Matrix: @unchecked Sendable {
    public let rows: Int, cols: Int
    public let q: UnsafeMutablePointer<Int8>     // (rows, cols)
    public let scales: [Float]                   // (rows)
    private let owner: Owner

    final class Owner { let p: UnsafeMutablePointer<Int8>; init(_ p: UnsafeMutablePointer<Int8>) { self.p = p }; deinit { p.deallocate() } }

    public init(_ w: UnsafePointer<Float>, rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: max(rows * cols, 1))
        var scales = [Float](repeating: 0, count: rows)
        scales.withUnsafeMutableBufferPointer { s in
            let sp = s.baseAddress!
            Parallel.rows(rows, minPerChunk: 64) { range in
                for r in range {
                    let row = w + r * cols
                    var m: Float = 0
                    for j in 0..<cols { m = max(m, abs(row[j])) }
                    let scale = m / 127
                    sp[r] = scale
                    let inv: Float = scale > 0 ? 1 / scale : 0
                    for j in 0..<cols { q[r * cols + j] = Int8(max(-127, min(127, (row[j] * inv).rounded()))) }
                }
            }
        }
        self.q = q
        self.scales = scales
        owner = Owner(q)
    }

    public var bytes: Int { rows * cols + rows * 4 }

    /// y (rows) = (or +=) W x for one vector x (cols).
    public func matvec(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, accumulate: Bool = false) {
        let (R, K, q) = (rows, cols, q)
        scales.withUnsafeBufferPointer { s in
            let sp = s.baseAddress!
            Parallel.rows(R, minPerChunk: 256) { range in
                for r in range {
                    let row = q + r * K
                    var acc = SIMD16<Float>(repeating: 0)
                    var j = 0
                    while j + 16 <= K {
                        let qi = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Int8>.self)
                        let xv = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD16<Float>.self)
                        acc += SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: qi)) * xv
                        j += 16
                    }
                    var sum = acc.sum()
                    while j < K { sum += Float(row[j]) * x[j]; j += 1 }
                    y[r] = accumulate ? y[r] + sp[r] * sum : sp[r] * sum
                }
            }
        }
    }
}

/// An INT8 copy of a model (LoRA merged) that decodes with the fp32 kernels for everything but the linears.
public final class Int8Model: DecodingModel, @unchecked Sendable {
    public let config: ModelConfig
    let small: FloatBuffer            // the fp32 tensors kept, carved into the views below
    let attnNorm: View, mlpNorm: View // (L, C)
    let finalNorm: View               // (C)
    let bq: View?, bk: View?, bv: View?   // (L, Q), (L, KV), (L, KV)  Qwen2 only
    let embedding: View?              // (V, C) untied only; a tied embedding is read from the int8 head
    let layers: [[LoRATarget: Int8Matrix]]
    let head: Int8Matrix
    let rope: RoPETable

    /// Quantizes `params` with `lora` (if enabled) merged into a copy; the given weights are untouched.
    public init(params: ParameterTensors, lora: LoRA? = nil) {
        let merged = params.mergedCopy(lora: lora)
        let c = params.config
        config = c
        let fp32: [View?] = [merged.attnNorm, merged.mlpNorm, merged.finalNorm, merged.bq, merged.bk, merged.bv,
                             c.tiedEmbeddings ? nil : merged.tokenEmbedding]
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
        layers = (0..<c.numLayers).map { l in
            var d: [LoRATarget: Int8Matrix] = [:]
            for t in LoRATarget.allCases {
                let (i, o) = t.dims(c)
                d[t] = Int8Matrix(t.weight(merged, layer: l).ptr, rows: o, cols: i)
            }
            return d
        }
        head = Int8Matrix(merged.lmHead.ptr, rows: c.vocabSize, cols: c.hiddenSize)
        rope = RoPETable(headDim: c.headDim, maxPositions: c.maxPositions, theta: c.ropeTheta)
    }

    /// Bytes held: int8 weights + scales + the fp32 tensors kept (norms, biases, untied embedding).
    public var bytes: Int {
        layers.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.bytes } } + head.bytes + small.count * 4
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
        var logits: [Float] = []
        for (i, t) in tokens.enumerated() { logits = step(t, cache, wantLogits: i == tokens.count - 1) }
        return logits
    }

    public func decodeStep(_ token: Int32, cache: KVCache) throws -> [Float] { try prefill([token], cache: cache) }

    /// One token at position cache.length through every layer (Transformer.run with n = 1, int8 linears).
    private func step(_ token: Int32, _ cache: KVCache, wantLogits: Bool) -> [Float] {
        let c = config, p0 = cache.length, Tk = p0 + 1
        let (C, Q, KV, FF, NH) = (c.hiddenSize, c.qDim, c.kvDim, c.intermediateSize, c.numHeads)
        let s = FloatBuffer(count: 2 * C + 2 * Q + 3 * FF + NH * Tk + 1 + 16 * 10)   // + Carver alignment
        var k = Carver(s)
        let x = k.take([C]).ptr, ln = k.take([C]).ptr, q = k.take([Q]).ptr, att = k.take([Q]).ptr
        let gate = k.take([FF]).ptr, up = k.take([FF]).ptr, h = k.take([FF]).ptr, probs = k.take([NH, Tk]).ptr, rstd = k.take([1]).ptr
        if c.tiedEmbeddings {   // the int8 head is the embedding table: dequantize the token's row
            let row = head.q + Int(token) * C, scale = head.scales[Int(token)]
            for j in 0..<C { x[j] = Float(row[j]) * scale }
        } else {
            var tok = token
            embeddingForward(x, &tok, embedding!.ptr, n: 1, C: C)
        }
        func bias(_ y: UnsafeMutablePointer<Float>, _ b: View?, _ l: Int, _ n: Int) {
            guard let b else { return }
            let bp = b.slice(l).ptr
            for i in 0..<n { y[i] += bp[i] }
        }
        for l in 0..<c.numLayers {
            let w = layers[l]
            let kc = cache.k.base + l * cache.capacity * KV, vc = cache.v.base + l * cache.capacity * KV
            rmsnormForward(ln, rstd, x, attnNorm.slice(l).ptr, n: 1, C: C, eps: c.rmsNormEps)
            w[.q]!.matvec(q, ln); bias(q, bq, l, Q)
            w[.k]!.matvec(kc + p0 * KV, ln); bias(kc + p0 * KV, bk, l, KV)
            w[.v]!.matvec(vc + p0 * KV, ln); bias(vc + p0 * KV, bv, l, KV)
            ropeForward(q, rope, n: 1, T: 1, posOffset: p0, heads: NH)
            ropeForward(kc + p0 * KV, rope, n: 1, T: 1, posOffset: p0, heads: c.numKVHeads)
            attentionForward(att, probs, q, kc, vc, B: 1, Tq: 1, Tk: Tk, NH: NH, NKV: c.numKVHeads, HS: c.headDim)
            w[.o]!.matvec(x, att, accumulate: true)
            rmsnormForward(ln, rstd, x, mlpNorm.slice(l).ptr, n: 1, C: C, eps: c.rmsNormEps)
            w[.gate]!.matvec(gate, ln)
            w[.up]!.matvec(up, ln)
            swigluForward(h, gate, up, n: FF)
            w[.down]!.matvec(x, h, accumulate: true)
        }
        cache.advance(1)
        guard wantLogits else { return [] }
        rmsnormForward(ln, rstd, x, finalNorm.ptr, n: 1, C: C, eps: c.rmsNormEps)
        var logits = [Float](repeating: 0, count: c.vocabSize)
        logits.withUnsafeMutableBufferPointer { head.matvec($0.baseAddress!, ln) }
        return logits
    }
}
