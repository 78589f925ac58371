// Shared test helpers: seeded random arrays and a finite-difference gradient check through the fake loss
// sum(out * dOut), evaluated by central differences on fp32 forwards.
import XCTest
import SFT

struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func array(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in uniform() * scale } }
}

func fakeLoss(_ out: [Float], _ dOut: [Float]) -> Double {
    zip(out, dOut).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Compares `analytic` (d loss / d x) with central differences of `forward(x)` at up to `samples` indices.
func checkGradient(_ name: String, x: [Float], analytic: [Float], dOut: [Float], eps: Float = 1e-2,
                   rtol: Double = 2e-2, atol: Double = 2e-3, samples: Int = 48,
                   file: StaticString = #filePath, line: UInt = #line, forward: ([Float]) -> [Float]) {
    XCTAssertEqual(x.count, analytic.count, "\(name): gradient size", file: file, line: line)
    let step = max(1, x.count / samples)
    var worst = 0.0
    for i in stride(from: 0, to: x.count, by: step) {
        var xp = x, xm = x
        xp[i] += eps; xm[i] -= eps
        let fd = (fakeLoss(forward(xp), dOut) - fakeLoss(forward(xm), dOut)) / Double(2 * eps)
        let err = abs(fd - Double(analytic[i]))
        worst = max(worst, err / (atol + rtol * abs(fd)))
        if err > atol + rtol * abs(fd) {
            XCTFail("\(name)[\(i)]: finite difference \(fd) vs analytic \(analytic[i])", file: file, line: line)
            return
        }
    }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

extension Array where Element == Float {
    /// Runs body with a mutable pointer to a copy and returns the copy.
    func mutated(_ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        var c = self
        c.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return c
    }
}
