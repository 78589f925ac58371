// The one place sft calls OpenBLAS. Every matrix product (forward, backward, LoRA) goes through `gemm`.
// Shapes follow the row-major convention: C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C.
import COpenBLAS
import Dispatch

public enum Transpose { case none, transposed }

@inline(__always)
public func gemm(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int,
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
public func parallelWithSingleThreadedBLAS(_ n: Int, _ body: (Int) -> Void) {
    let threads = openblas_get_num_threads()
    if n <= 1 || Parallel.cores == 1 { for i in 0..<n { body(i) }; return }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(threads) }
    DispatchQueue.concurrentPerform(iterations: n) { body($0) }
}
