// Checks the one GEMM interface against the naive product it replaces: OpenBLAS and oneDNN, every transpose
// pair, alpha and beta, strided (leading dimension > width) operands, odd sizes, shapes on both sides of the
// engine threshold; bf16 products against the same naive product of bf16-rounded operands.
import XCTest
import SFT

final class GEMMTests: XCTestCase {
    /// Element (i, j) of op(X) where X is stored row-major with leading dimension ld.
    private func at(_ x: [Float], _ t: Transpose, _ i: Int, _ j: Int, ld: Int) -> Float { t == .none ? x[i * ld + j] : x[j * ld + i] }

    /// C = alpha op(A) op(B) + beta C in Double, with an optional rounding of the operands.
    private func reference(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
                           b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int, round: (Float) -> Float = { $0 }) -> [Float] {
        var out = c
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += Double(round(at(a, ta, i, p, ld: lda))) * Double(round(at(b, tb, p, j, ld: ldb))) }
            out[i * ldc + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * ldc + j]))
        } }
        return out
    }

    private func run(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                     precision: ComputePrecision, oneDNN: Bool, seed: UInt64) -> (got: [Float], want: [Float], scale: Float) {
        var rng = TestRNG(seed)
        let pad = 3   // every leading dimension is 3 wider than the stored row
        let (aRows, aCols) = ta == .none ? (m, k) : (k, m), (bRows, bCols) = tb == .none ? (k, n) : (n, k)
        let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
        let a = rng.array(aRows * lda), b = rng.array(bRows * ldb), c0 = rng.array(m * ldc)
        var c = c0
        let (e, p) = (MatMul.oneDNNEnabled, MatMul.precision)
        MatMul.oneDNNEnabled = oneDNN; MatMul.precision = precision
        defer { MatMul.oneDNNEnabled = e; MatMul.precision = p }
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            gemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb,
                 beta: beta, c: cp.baseAddress!, ldc: ldc)
        } } }
        let large = isLargeProduct(m: m, n: n, k: k) && oneDNN
        let round: (Float) -> Float = precision == .bf16 && large ? { bf16Value(bf16Bits($0)) } : { $0 }
        let want = reference(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c0, ldc: ldc, round: round)
        // |sum| of k products of values in [-1, 1): fp32 accumulation error grows with k.
        return (c, want, Float(k).squareRoot() * 1e-6 * 4)
    }

    private let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)]

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

    /// Both engines in fp32, every transpose pair, odd sizes above and below the oneDNN threshold, with alpha and beta.
    func testEnginesMatchReferenceInFP32() {
        let shapes = [(7, 13, 5), (33, 65, 1001), (129, 97, 171), (257, 67, 131), (40, 300, 200)]
        for oneDNN in [false, true] { for (ta, tb) in transposes { for (i, (m, n, k)) in shapes.enumerated() {
            for (alpha, beta) in [(Float(1), Float(0)), (Float(0.5), Float(1)), (Float(-2), Float(0.25))] {
                let r = run(ta, tb, m: m, n: n, k: k, alpha: alpha, beta: beta, precision: .fp32, oneDNN: oneDNN, seed: UInt64(i + 1))
                for j in 0..<r.want.count where abs(r.got[j] - r.want[j]) > r.scale * max(1, abs(alpha)) {
                    XCTFail("oneDNN \(oneDNN) \(ta) \(tb) \(m)x\(n)x\(k) alpha \(alpha) beta \(beta): [\(j)] \(r.got[j]) vs \(r.want[j])")
                    break
                }
            }
        } } }
        XCTAssertTrue(MatMul.oneDNNReady, "oneDNN did not start")
        XCTAssertTrue(isLargeProduct(m: 129, n: 97, k: 171) && !isLargeProduct(m: 7, n: 13, k: 5), "the shapes cover both engines")
    }

    /// bf16: the product of the bf16-rounded operands, summed in fp32 (so the error is fp32's, not bf16's).
    func testBF16ProductsAreRoundedOperandsWithFP32Sums() throws {
        guard MatMul.bf16Available else {
            // AVX2-only CPUs: oneDNN 2.6 has no bf16 kernels, so `precision bf16` must run plain fp32, exactly.
            for (ta, tb) in transposes {
                let r = run(ta, tb, m: 129, n: 97, k: 171, alpha: 0.5, beta: 1, precision: .bf16, oneDNN: true, seed: 9)
                let exact = run(ta, tb, m: 129, n: 97, k: 171, alpha: 0.5, beta: 1, precision: .fp32, oneDNN: true, seed: 9)
                XCTAssertEqual(r.got, exact.got, "\(ta) \(tb): bf16 asked for without bf16 kernels must give the fp32 product")
            }
            throw XCTSkip("no bf16 kernels here (\(MatMul.bf16Unavailable ?? "")): checked that bf16 runs as fp32 instead")
        }
        for (ta, tb) in transposes {
            let r = run(ta, tb, m: 129, n: 97, k: 171, alpha: 0.5, beta: 1, precision: .bf16, oneDNN: true, seed: 9)
            for j in 0..<r.want.count where abs(r.got[j] - r.want[j]) > r.scale {
                XCTFail("bf16 \(ta) \(tb): [\(j)] \(r.got[j]) vs \(r.want[j])"); break
            }
            // And against the exact fp32 product, bf16's relative precision (8 bits) bounds the difference.
            let exact = run(ta, tb, m: 129, n: 97, k: 171, alpha: 0.5, beta: 1, precision: .fp32, oneDNN: true, seed: 9).want
            let worst = zip(r.got, exact).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 0.5 * Float(171).squareRoot() * 2 * (1 / 256), "\(ta) \(tb)")
            XCTAssertGreaterThan(worst, 0, "bf16 rounding should be visible at all")
        }
    }

    func testBF16Rounding() {
        XCTAssertEqual(bf16Bits(1), 0x3F80)
        XCTAssertEqual(bf16Value(bf16Bits(1 + 1 / 256)), 1)            // halfway: ties to even (down)
        XCTAssertEqual(bf16Value(bf16Bits(1 + 3 / 256)), 1 + 4 / 256)  // halfway: ties to even (up)
        XCTAssertEqual(bf16Value(bf16Bits(-3.4e38)), -.infinity)
        XCTAssertTrue(bf16Value(bf16Bits(.nan)).isNaN)
        // The vector loop agrees with the scalar rule, including the tail past the last 16.
        var rng = TestRNG(3)
        let x = rng.array(37 * 3).map { $0 * 1000 }
        var out = [UInt16](repeating: 0, count: 37 * 2)
        x.withUnsafeBufferPointer { xp in out.withUnsafeMutableBufferPointer { op in
            roundToBF16(op.baseAddress!, xp.baseAddress!, rows: 2, cols: 37, ld: 37 * 3 / 2)
        } }
        for i in 0..<2 { for j in 0..<37 { XCTAssertEqual(out[i * 37 + j], bf16Bits(x[i * (37 * 3 / 2) + j])) } }
    }

    func testPrecisionSetting() {
        XCTAssertEqual(MatMul.resolve("fp32"), .fp32)
        // bf16 where oneDNN has bf16 kernels for this CPU (hardware or AVX-512 emulation), fp32 elsewhere, said why
        XCTAssertEqual(MatMul.resolve("bf16"), MatMul.bf16Available ? .bf16 : .fp32)
        XCTAssertEqual(MatMul.bf16Unavailable == nil, MatMul.bf16Available)
        if !MatMul.oneDNNReady { XCTAssertFalse(MatMul.bf16Available) }
        if CPUFeatures.flags.contains("avx512f"), MatMul.oneDNNEnabled, MatMul.oneDNNReady { XCTAssertTrue(MatMul.bf16Available) }
        // auto: bf16 only on a CPU with bf16 in hardware where the probe measured it faster than fp32
        let probe = PrecisionProbe.measured
        XCTAssertEqual(probe == nil, !(CPUFeatures.hasBF16 && MatMul.oneDNNEnabled && MatMul.oneDNNReady))
        XCTAssertEqual(MatMul.resolve("auto"), probe?.bf16IsFaster == true ? .bf16 : .fp32)
    }

    func testPrecisionProbeMeasuresBothPrecisionsOnTheTrainingPath() throws {
        // the probe's own measurement on a small product: both sides run and give a real speed
        guard CPUFeatures.hasBF16, MatMul.oneDNNReady else { throw XCTSkip("no bf16 in hardware or no oneDNN here") }
        let r = try XCTUnwrap(PrecisionProbe.measure(m: 64, n: 96, k: 128, runs: 1))
        XCTAssertGreaterThan(r.fp32GFLOPs, 0.01)
        XCTAssertGreaterThan(r.bf16GFLOPs, 0.01)
        XCTAssertTrue(PrecisionProbe.Result(fp32GFLOPs: 100, bf16GFLOPs: 120).bf16IsFaster)
        XCTAssertFalse(PrecisionProbe.Result(fp32GFLOPs: 100, bf16GFLOPs: 105).bf16IsFaster)
    }

    func testPrimitivesAreCachedPerShape() {
        _ = run(.none, .transposed, m: 131, n: 67, k: 259, alpha: 1, beta: 0, precision: .fp32, oneDNN: true, seed: 4)
        let before = MatMul.cachedPrimitives
        _ = run(.none, .transposed, m: 131, n: 67, k: 259, alpha: 1, beta: 0, precision: .fp32, oneDNN: true, seed: 5)
        XCTAssertEqual(MatMul.cachedPrimitives, before)
    }
}
