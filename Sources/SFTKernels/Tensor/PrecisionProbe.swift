// `precision auto` takes bf16 only where bf16 products are measured faster than fp32 on this CPU, once per
// process: listing AVX512_BF16 is not enough. On an AMD EPYC oneDNN's bf16 matmul ran 368-442 GFLOP/s against
// fp32's 219-228; on an Intel Xeon that lists avx512_bf16 (no AMX exposed) it ran 122-143 against 223-254
// (sft-bench gemm, 2026-12-02), so bf16 there made training 1.55x slower (169 vs 263 tok/s).
// The probe is one projection-shaped product (512 x 1536 x 576, the MLP's up projection at batch 512),
// run through the same `OneDNN.gemm` path training uses (rounding to bf16 included), best of 3 alternating
// runs each after a warm-up: about 30 ms, paid at the first product that reads `auto`'s precision.
import Dispatch

public enum PrecisionProbe {
    public struct Result: Sendable, Equatable {
        public let fp32GFLOPs: Double
        public let bf16GFLOPs: Double
        /// bf16 must win clearly (by 10%): a tie keeps fp32's exact products.
        public var bf16IsFaster: Bool { bf16GFLOPs >= 1.1 * fp32GFLOPs }
        public init(fp32GFLOPs: Double, bf16GFLOPs: Double) { self.fp32GFLOPs = fp32GFLOPs; self.bf16GFLOPs = bf16GFLOPs }
    }

    /// nil where there is nothing to compare: no bf16 in hardware, oneDNN off or not started.
    public static let measured: Result? = {
        guard CPUFeatures.hasBF16, MatMul.oneDNNEnabled, OneDNN.ready else { return nil }
        return measure(m: 512, n: 1536, k: 576)
    }()

    /// GFLOP/s of C (m, n) = A (m, k) @ B^T with B (n, k), each precision's best of `runs`.
    public static func measure(m: Int, n: Int, k: Int, runs: Int = 3) -> Result? {
        let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k), c = FloatBuffer(count: m * n)
        // small values with every mantissa bit in play, so bf16 rounding does real work
        for i in 0..<a.count { a.base[i] = Float((i * 7919) % 1000) * 1e-3 - 0.5 }
        for i in 0..<b.count { b.base[i] = Float((i * 104729) % 1000) * 1e-3 - 0.5 }
        func once(_ bf16: Bool) -> Double? {
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard OneDNN.gemm(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a.base, lda: k, b: b.base, ldb: k,
                              beta: 0, c: c.base, ldc: n, bf16: bf16) else { return nil }
            return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        guard once(false) != nil, once(true) != nil else { return nil }   // warm-up: primitives built, pages touched
        var best32 = Double.infinity, best16 = Double.infinity
        for _ in 0..<runs {
            guard let s32 = once(false), let s16 = once(true) else { return nil }
            best32 = min(best32, s32); best16 = min(best16, s16)
        }
        let flops = 2 * Double(m) * Double(n) * Double(k)
        return Result(fp32GFLOPs: flops / best32 / 1e9, bf16GFLOPs: flops / best16 / 1e9)
    }
}
