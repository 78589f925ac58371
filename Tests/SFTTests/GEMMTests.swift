// Checks the OpenBLAS wrapper against the naive product it replaces.
import XCTest
import SFT

final class GEMMTests: XCTestCase {
    func testGemmMatchesNaive() {
        let (m, k, n) = (7, 13, 5)
        let a = (0..<(m * k)).map { Float(($0 * 37) % 11) - 5 }
        let b = (0..<(k * n)).map { Float(($0 * 17) % 7) - 3 }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            gemm(.none, .none, m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
        } } }
        XCTAssertEqual(c, naiveMatmul(a, b, m: m, k: k, n: n))
    }
}
