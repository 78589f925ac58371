// The oneDNN side of `gemm`: one matmul primitive per product shape (shape, strides, alpha, beta, operand type),
// created on first use and cached, run on one in-order CPU stream. In bf16 the fp32 operands are first rounded
// (to nearest even) into two reusable bf16 scratch buffers; the product accumulates in fp32 and writes fp32.
// oneDNN's OpenMP threads spin only briefly after a product (GOMP_SPINCOUNT, set by the shell before start) so
// they do not fight our own Dispatch kernels for the cores. Calls are serialized by a lock.
import COneDNN
import Foundation

enum OneDNN {
    private struct Key: Hashable {
        var m, n, k, sa0, sa1, sb0, sb1, ldc: Int
        var bf16: Bool
        var alpha, beta: Float
    }
    nonisolated(unsafe) private static var engine: dnnl_engine_t? = nil
    nonisolated(unsafe) private static var stream: dnnl_stream_t? = nil
    nonisolated(unsafe) private static var cache: [Key: sft_matmul] = [:]
    nonisolated(unsafe) private static var scratch: (a: UnsafeMutablePointer<UInt16>?, b: UnsafeMutablePointer<UInt16>?, capA: Int, capB: Int) = (nil, nil, 0, 0)
    private static let lock = NSLock()
    /// Primitives kept at most; past it the cache starts over (shapes change with every new batch length).
    private static let maxCached = 512

    /// True once the CPU engine and stream exist.
    static let ready: Bool = {
        var e: dnnl_engine_t? = nil, s: dnnl_stream_t? = nil
        guard dnnl_engine_create(&e, dnnl_cpu, 0) == dnnl_success,
              dnnl_stream_create(&s, e, UInt32(dnnl_stream_default_flags.rawValue)) == dnnl_success else { return false }
        engine = e; stream = s
        return true
    }()

    /// True where oneDNN can multiply bf16 operands on this CPU: in hardware (AVX512_BF16, AMX) or emulated on
    /// AVX-512. oneDNN 2.6 has no bf16 matmul for AVX2-only CPUs (an AMD EPYC without AVX-512 was seen), and a
    /// bf16 product there would fail at every call and fall back to OpenBLAS; asked once with a small primitive.
    static let bf16Kernels: Bool = {
        guard ready else { return false }
        var p = sft_matmul()
        guard sft_matmul_create(&p, engine, 64, 64, 64, 64, 1, 64, 1, 64, dnnl_bf16, 1, 0) == dnnl_success else { return false }
        dnnl_primitive_destroy(p.prim)
        dnnl_memory_destroy(p.a); dnnl_memory_destroy(p.b); dnnl_memory_destroy(p.c)
        return true
    }()

    /// The instruction set oneDNN's kernels use here, e.g. `avx512_core_bf16`.
    static var isaName: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx2: return "avx2"
        default: return "baseline"
        }
    }

    /// C (M, N) = alpha * op(A) @ op(B) + beta * C, row-major as in `gemm`. Returns false when oneDNN could not
    /// build the primitive (the caller then runs OpenBLAS).
    static func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, bf16: Bool) -> Bool {
        guard ready else { return false }
        lock.lock(); defer { lock.unlock() }
        // The stored matrices: A is (M, K) or, transposed, (K, M); B is (K, N) or (N, K).
        let (aRows, aCols) = ta == .none ? (m, k) : (k, m)
        let (bRows, bCols) = tb == .none ? (k, n) : (n, k)
        // In bf16 the operands are copied compact, so their leading dimension becomes the stored row length.
        let la = bf16 ? aCols : lda, lb = bf16 ? bCols : ldb
        let (sa0, sa1) = ta == .none ? (la, 1) : (1, la)
        let (sb0, sb1) = tb == .none ? (lb, 1) : (1, lb)
        let key = Key(m: m, n: n, k: k, sa0: sa0, sa1: sa1, sb0: sb0, sb1: sb1, ldc: ldc, bf16: bf16, alpha: alpha, beta: beta)
        var prim: sft_matmul
        if let p = cache[key] { prim = p } else {
            if cache.count >= maxCached { clearLocked() }
            prim = sft_matmul()
            guard sft_matmul_create(&prim, engine, Int64(m), Int64(n), Int64(k), Int64(sa0), Int64(sa1),
                                    Int64(sb0), Int64(sb1), Int64(ldc), bf16 ? dnnl_bf16 : dnnl_f32,
                                    alpha, beta) == dnnl_success else { return false }
            cache[key] = prim
        }
        if bf16 {
            let pa = bf16Scratch(a: true, count: aRows * aCols), pb = bf16Scratch(a: false, count: bRows * bCols)
            roundToBF16(pa, a, rows: aRows, cols: aCols, ld: lda)
            roundToBF16(pb, b, rows: bRows, cols: bCols, ld: ldb)
            return withUnsafePointer(to: &prim) { sft_matmul_run($0, stream, pa, pb, c) } == dnnl_success
        }
        return withUnsafePointer(to: &prim) { sft_matmul_run($0, stream, a, b, c) } == dnnl_success
    }

    /// Primitives in the cache (for tests: the same shape twice builds one).
    static var cachedCount: Int { lock.lock(); defer { lock.unlock() }; return cache.count }

    private static func clearLocked() {
        for (_, p) in cache {
            dnnl_primitive_destroy(p.prim)
            dnnl_memory_destroy(p.a); dnnl_memory_destroy(p.b); dnnl_memory_destroy(p.c)
        }
        cache = [:]
    }

    private static func bf16Scratch(a: Bool, count: Int) -> UnsafeMutablePointer<UInt16> {
        if a {
            if scratch.capA < count { scratch.a?.deallocate(); scratch.a = .allocate(capacity: count); scratch.capA = count }
            return scratch.a!
        }
        if scratch.capB < count { scratch.b?.deallocate(); scratch.b = .allocate(capacity: count); scratch.capB = count }
        return scratch.b!
    }
}

/// dst (rows, cols) compact = bf16(src (rows, cols) with leading dimension ld), rounding to nearest even.
/// Values past bf16's range become infinity, as in a cast; a NaN whose payload lies only in the low 16 bits
/// (never produced by arithmetic) would round to infinity in the vector loop.
public func roundToBF16(_ dst: UnsafeMutablePointer<UInt16>, _ src: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) {
    let minPerChunk = max(1, (1 << 16) / max(1, cols))
    Parallel.rows(rows, minPerChunk: minPerChunk) { r in
        for i in r {
            let s = src + i * ld, d = dst + i * cols
            var j = 0
            while j + 16 <= cols {
                let u = unsafeBitCast(load16(s + j), to: SIMD16<UInt32>.self)
                let rounded = (u &+ 0x7FFF &+ ((u &>> 16) & 1)) &>> 16
                UnsafeMutableRawPointer(d + j).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: rounded), as: SIMD16<UInt16>.self)
                j += 16
            }
            while j < cols { d[j] = bf16Bits(s[j]); j += 1 }
        }
    }
}

/// One float rounded to bf16 (nearest even, NaN kept quiet) as bits, as ggml's ggml_compute_fp32_to_bf16: the
/// scalar tail of roundToBF16, the tests' reference, and the GGUF bf16 quantizer.
@inline(__always)
public func bf16Bits(_ x: Float) -> UInt16 {
    let u = x.bitPattern
    if x.isNaN { return UInt16(u >> 16) | 0x40 }
    return UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
}

/// The float a bf16 bit pattern stands for.
@inline(__always)
public func bf16Value(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
