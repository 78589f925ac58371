// The one interface for matrix products: every product (forward, backward, LoRA, attention) goes through `gemm`.
// Shapes follow the row-major convention: C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C.
// Large products (every side >= 32 and M*N*K >= 2^21: the projections, the MLP, the LM head) run in oneDNN, in
// `MatMul.precision`; small ones (LoRA's rank-wide products, attention's per-head products, which run side by
// side on single-threaded OpenBLAS) stay fp32 OpenBLAS, which is faster there. sft-bench `gemm` measures both.
import COpenBLAS
import Dispatch

public enum Transpose { case none, transposed }

@inline(__always)
public func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if isLargeProduct(m: m, n: n, k: k), MatMul.oneDNNEnabled, !BLASRegion.singleThreaded,
       OneDNN.gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc,
                   bf16: MatMul.precision == .bf16) { return }
    openblasGemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// The products oneDNN takes (see the top of the file).
@inline(__always)
public func isLargeProduct(m: Int, n: Int, k: Int) -> Bool {
    let side = MatMul.largeProductSide
    return m >= side && n >= side && k >= side && m * n * k >= MatMul.largeProductVolume
}

/// OpenBLAS's fp32 sgemm, whatever the engine setting: the reference the engine tests compare against.
@inline(__always)
public func openblasGemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
                         alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int,
                         beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(CblasRowMajor,
                ta == .none ? CblasNoTrans : CblasTrans,
                tb == .none ? CblasNoTrans : CblasTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// y (M, N) (+)= x (M, K) @ W^T where W is (N, K), the PyTorch Linear orientation.
@inline(__always)
public func linearForward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                          rows m: Int, inFeatures k: Int, outFeatures n: Int, accumulate: Bool = false) {
    if m == 1 {
        // One row (decoding): sgemv streams W once; sgemm would first copy (pack) all of W.
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w, Int32(k), x, 1, accumulate ? 1 : 0, y, 1)
        return
    }
    gemm(.none, .transposed, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k, beta: accumulate ? 1 : 0, c: y, ldc: n)
}

/// Naive reference product, kept beside the fast one for tests: C (M, N) = A (M, K) @ B (K, N).
public func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s: Float = 0
        for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
        c[i * n + j] = s
    } }
    return c
}

/// Threads OpenBLAS uses. Our own kernels use `Parallel`.
public func blasThreads() -> Int { Int(openblas_get_num_threads()) }
public func blasCoreName() -> String { String(cString: openblas_get_corename()) }

/// Runs body(0 ..< n) spread over the cores, with OpenBLAS single-threaded meanwhile: many small independent
/// products (attention heads) go faster side by side than each split over the cores. Not reentrant.
/// Products inside stay on OpenBLAS (oneDNN would start its own threads from each worker).
public func parallelWithSingleThreadedBLAS(_ n: Int, _ body: (Int) -> Void) {
    let threads = openblas_get_num_threads()
    if n <= 1 || Parallel.cores == 1 { for i in 0..<n { body(i) }; return }
    openblas_set_num_threads(1)
    BLASRegion.singleThreaded = true
    defer { openblas_set_num_threads(threads); BLASRegion.singleThreaded = false }
    DispatchQueue.concurrentPerform(iterations: n) { body($0) }
}

/// Set while parallelWithSingleThreadedBLAS runs: products then stay on single-threaded OpenBLAS.
enum BLASRegion { nonisolated(unsafe) static var singleThreaded = false }
