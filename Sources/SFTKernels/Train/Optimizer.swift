// AdamW with PyTorch semantics (torch.optim.AdamW): decoupled weight decay p -= lr*wd*p, bias-corrected
// moments, eps added to sqrt(v_hat). One loop over a flat parameter buffer and its gradient buffer (the full
// ParameterTensors storage, or the LoRA buffer). Before the update: the global gradient L2 norm, clipping to
// maxGradNorm like torch.nn.utils.clip_grad_norm_ (scale max/(norm+1e-6) when norm > max), and a non-finite
// check that skips the step (parameters and moments untouched) and says so in the report.
import Dispatch
import Foundation

public struct AdamWConfig: Equatable, Sendable, Codable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float
    public var maxGradNorm: Float?   // nil: no clipping

    public init(beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01, maxGradNorm: Float? = 1.0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.maxGradNorm = maxGradNorm
    }
}

public struct AdamWReport: Equatable, Sendable {
    public var gradNorm: Float     // before clipping
    public var clipped: Bool
    public var skipped: Bool       // gradients had NaN or Inf: nothing was updated
    public var step: Int           // steps taken so far (not counting skipped ones)
}

public final class AdamW: @unchecked Sendable {
    public let count: Int
    public var config: AdamWConfig
    public let m: FloatBuffer
    public let v: FloatBuffer
    public private(set) var steps = 0
    /// Index ranges that take no weight decay (HF Trainer exempts biases and norm weights:
    /// `ParameterTensors.noDecayRanges`). Empty: decay everything, like torch.optim.AdamW on all parameters.
    public var noDecay: [Range<Int>] = []

    public init(count: Int, config: AdamWConfig = AdamWConfig()) {
        self.count = count
        self.config = config
        m = FloatBuffer(count: count)
        v = FloatBuffer(count: count)
    }

    /// Updates params[0..<count] from grads[0..<count]. The gradient buffer is left as it was, or with
    /// zeroGradients zeroed as the update reads it (saving the next step a separate 540 MB pass for full
    /// fine-tuning of SmolLM2-135M); a skipped step (non-finite gradients) never touches it.
    @discardableResult
    public func step(params: UnsafeMutablePointer<Float>, grads: UnsafeMutablePointer<Float>, lr: Float,
                     zeroGradients: Bool = false) -> AdamWReport {
        let norm = Float(Self.globalNorm(grads, count))
        if !norm.isFinite { return AdamWReport(gradNorm: norm, clipped: false, skipped: true, step: steps) }
        // Clipping is folded into the update (g * clip) instead of rewriting the gradient buffer.
        var clip: Float = 1
        if let maxNorm = config.maxGradNorm, norm > maxNorm { clip = maxNorm / (norm + 1e-6) }
        let clipped = clip != 1
        steps += 1
        let c = config
        let bc1 = 1 - Float(Foundation.pow(Double(c.beta1), Double(steps)))
        let bc2 = 1 - Float(Foundation.pow(Double(c.beta2), Double(steps)))
        let stepSize = lr / bc1, invSqrtBc2 = 1 / bc2.squareRoot(), decay = 1 - lr * c.weightDecay
        let mp = m.base, vp = v.base
        // Split the flat range into runs with and without weight decay.
        var runs: [(Range<Int>, Float)] = []
        var at = 0
        for r in noDecay.sorted(by: { $0.lowerBound < $1.lowerBound }) where r.lowerBound >= at && r.upperBound <= count {
            if r.lowerBound > at { runs.append((at..<r.lowerBound, decay)) }
            runs.append((r, 1)); at = r.upperBound
        }
        if at < count { runs.append((at..<count, decay)) }
        for (range, dec) in runs {
            Parallel.rows(range.count, minPerChunk: 1 << 16) { r in
                Self.update(params, grads, mp, vp, range.lowerBound + r.lowerBound, range.lowerBound + r.upperBound, c,
                            clip: clip, decay: dec, stepSize: stepSize, invSqrtBc2: invSqrtBc2, zeroGradients: zeroGradients)
            }
        }
        return AdamWReport(gradNorm: norm, clipped: clipped, skipped: false, step: steps)
    }

    @inline(__always)
    private static func update(_ params: UnsafeMutablePointer<Float>, _ grads: UnsafeMutablePointer<Float>, _ mp: UnsafeMutablePointer<Float>,
                               _ vp: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, _ c: AdamWConfig,
                               clip: Float, decay: Float, stepSize: Float, invSqrtBc2: Float, zeroGradients: Bool) {
        var i = lo
        let b1 = splat(c.beta1), b2 = splat(c.beta2), ob1 = splat(1 - c.beta1), ob2 = splat(1 - c.beta2)
        let dv = splat(decay), ss = splat(stepSize), ib = splat(invSqrtBc2), ep = splat(c.eps), cl = splat(clip)
        while i + 16 <= hi {
            let g = load16(grads + i) * cl
            if zeroGradients { store16(F16(), grads + i) }
            let mi = b1 * load16(mp + i) + ob1 * g
            let vi = b2 * load16(vp + i) + ob2 * g * g
            store16(mi, mp + i); store16(vi, vp + i)
            // p = p * (1 - lr*wd) - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            let denom = sqrt16(vi) * ib + ep
            store16(load16(params + i) * dv - ss * mi / denom, params + i)
            i += 16
        }
        while i < hi {
            let g = grads[i] * clip
            if zeroGradients { grads[i] = 0 }
            mp[i] = c.beta1 * mp[i] + (1 - c.beta1) * g
            vp[i] = c.beta2 * vp[i] + (1 - c.beta2) * g * g
            params[i] = params[i] * decay - stepSize * mp[i] / (vp[i].squareRoot() * invSqrtBc2 + c.eps)
            i += 1
        }
    }

    /// Sets the step count alone (the moments were copied into `m` and `v` directly: snapshots).
    public func restoreSteps(_ savedSteps: Int) { steps = savedSteps }

    /// Puts back moments and the step count saved from an AdamW of the same size.
    public func restore(m savedM: [Float], v savedV: [Float], steps savedSteps: Int) {
        precondition(savedM.count == count && savedV.count == count, "AdamW state of another size")
        savedM.withUnsafeBufferPointer { m.base.update(from: $0.baseAddress!, count: count) }
        savedV.withUnsafeBufferPointer { v.base.update(from: $0.baseAddress!, count: count) }
        steps = savedSteps
    }

    /// Reference scalar AdamW step without clipping, for tests.
    public static func referenceStep(params: inout [Float], grads: [Float], m: inout [Float], v: inout [Float],
                                     step t: Int, lr: Float, config c: AdamWConfig) {
        for i in 0..<params.count {
            let g = Double(grads[i])
            m[i] = Float(Double(c.beta1) * Double(m[i]) + (1 - Double(c.beta1)) * g)
            v[i] = Float(Double(c.beta2) * Double(v[i]) + (1 - Double(c.beta2)) * g * g)
            let mh = Double(m[i]) / (1 - Foundation.pow(Double(c.beta1), Double(t)))
            let vh = Double(v[i]) / (1 - Foundation.pow(Double(c.beta2), Double(t)))
            var p = Double(params[i]) * (1 - Double(lr) * Double(c.weightDecay))
            p -= Double(lr) * mh / (vh.squareRoot() + Double(c.eps))
            params[i] = Float(p)
        }
    }

    /// L2 norm of g[0..<n], accumulated in Double per chunk.
    public static func globalNorm(_ g: UnsafePointer<Float>, _ n: Int) -> Double {
        let chunks = max(1, min(Parallel.cores * 4, n / 4096))
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        defer { partial.deallocate() }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = n * c / chunks, hi = n * (c + 1) / chunks
            var s = 0.0, i = lo
            while i + 1024 <= hi { s += Double(vdot(g + i, g + i, 1024)); i += 1024 }
            s += Double(vdot(g + i, g + i, hi - i))
            partial[c] = s
        }
        var total = 0.0
        for c in 0..<chunks { total += partial[c] }
        return total.squareRoot()
    }
}

/// Lane-wise square root of x >= 0 in vector instructions only: the stdlib SIMD path and a per-lane
/// Float.squareRoot loop (vsqrtss) both run lane by lane, which made AdamW's update pass 2.3x slower (0.21 s
/// instead of 0.09 s for 135M parameters). The bit-trick reciprocal square root refined by three Newton steps is
/// within float rounding (relative 3e-7); x * rsqrt(x) is 0 at 0. Denormal x, where the bit trick starts too far
/// off to converge in three steps, are scaled by 2^64 first and the root by 2^-32 after.
@inline(__always)
public func sqrt16(_ x0: F16) -> F16 {
    let tiny = x0 .< F16(repeating: Float.leastNormalMagnitude)
    var x = x0
    x.replace(with: x0 * 0x1p64, where: tiny)
    let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
    var y = unsafeBitCast(SIMD16<UInt32>(repeating: 0x5F37_59DF) &- (bits &>> 1), to: F16.self)
    let half = x * 0.5, threeHalves = F16(repeating: 1.5)
    y = y * (threeHalves - half * y * y)
    y = y * (threeHalves - half * y * y)
    y = y * (threeHalves - half * y * y)
    var r = x * y
    r.replace(with: r * 0x1p-32, where: tiny)
    return r
}
