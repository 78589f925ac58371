// SIMD building blocks shared by the kernels: a fast exp (polynomial with the exponent set by bit
// manipulation, since stdlib SIMD `exp`/`clamped`/Float->Int conversions are slow), sums and dot products
// over contiguous Float runs. Each fast function has a scalar reference beside it for tests.
import Foundation

public typealias F16 = SIMD16<Float>

@inline(__always)
func splat(_ x: Float) -> F16 { F16(repeating: x) }

/// e^x for 16 lanes, relative error ~2e-7 on [-87, 88]; inputs below -87 give 0, above 88 give e^88.
@inline(__always)
public func fastExp(_ x0: F16) -> F16 {
    var x = x0
    x.replace(with: splat(88.0), where: x .> splat(88.0))
    let tiny = x .< splat(-87.0)
    x.replace(with: splat(-87.0), where: tiny)
    // n = round(x / ln2) by the 1.5*2^23 trick; r = x - n*ln2 in two parts.
    let magic = splat(12582912.0)
    let t = magic.addingProduct(x, splat(1.44269504088896341))
    let n = t - magic
    var r = x.addingProduct(n, splat(-0.693359375))
    r = r.addingProduct(n, splat(2.12194440e-4))
    // exp(r) on [-ln2/2, ln2/2], Cephes coefficients.
    var p = splat(1.9875691500e-4)
    p = p * r + splat(1.3981999507e-3)
    p = p * r + splat(8.3334519073e-3)
    p = p * r + splat(4.1665795894e-2)
    p = p * r + splat(1.6666665459e-1)
    p = p * r + splat(5.0000001201e-1)
    let r2 = r * r
    var y = p * r2 + r + splat(1)
    // y *= 2^n: add n to the exponent field. n sits in the low bits of t's mantissa.
    let tb = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let yb = unsafeBitCast(y, to: SIMD16<Int32>.self) &+ (tb &<< 23)
    y = unsafeBitCast(yb, to: F16.self)
    y.replace(with: splat(0), where: tiny)
    return y
}

/// Scalar fastExp via the vector one (used for tails so both paths agree bit for bit).
@inline(__always)
public func fastExp(_ x: Float) -> Float { fastExp(F16(repeating: x))[0] }

/// Sum of p[0..<n].
@inline(__always)
func vsum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F16(), i = 0
    while i + 16 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: F16.self); i += 16 }
    var s = acc.sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Dot product of a[0..<n] and b[0..<n].
@inline(__always)
func vdot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F16(), i = 0
    while i + 16 <= n {
        acc = acc.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: F16.self),
                                UnsafeRawPointer(b + i).loadUnaligned(as: F16.self))
        i += 16
    }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }
@inline(__always)
func store16(_ v: F16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F16.self) }

/// Largest of p[0..<n] (n >= 1).
@inline(__always)
func vmax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F16(repeating: -Float.infinity), i = 0
    while i + 16 <= n { let v = load16(p + i); acc.replace(with: v, where: v .> acc); i += 16 }
    var m = acc.max()
    while i < n { if p[i] > m { m = p[i] }; i += 1 }
    return m
}

/// y[0..<n] += a * x[0..<n]
@inline(__always)
func vaxpy(_ y: UnsafeMutablePointer<Float>, _ a: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let av = splat(a)
    while i + 16 <= n { store16(load16(y + i).addingProduct(av, load16(x + i)), y + i); i += 16 }
    while i < n { y[i] += a * x[i]; i += 1 }
}
