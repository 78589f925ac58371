// Learning-rate schedule of the seeds' consoles: linear warmup over warmupRatio of the run, then cosine
// decay from the peak down to peak * minLRRatio (the seeds' 学习率衰减比率) at the last step.
import Foundation

public struct LRSchedule: Codable, Equatable, Sendable {
    public var peak: Double
    public var totalSteps: Int
    public var warmupRatio: Double
    public var minLRRatio: Double

    public init(peak: Double, totalSteps: Int, warmupRatio: Double, minLRRatio: Double) {
        self.peak = peak
        self.totalSteps = max(1, totalSteps)
        self.warmupRatio = warmupRatio
        self.minLRRatio = minLRRatio
    }

    public var warmupSteps: Int { Int((warmupRatio * Double(totalSteps)).rounded(.up)) }

    /// Learning rate for optimizer step `step` (0-based). Steps past the end stay at the floor.
    public func lr(at step: Int) -> Double {
        let warm = warmupSteps
        if step < warm { return peak * Double(step + 1) / Double(warm) }
        let span = max(1, totalSteps - warm - 1)
        let progress = min(1, Double(step - warm) / Double(span))
        let floor = peak * minLRRatio
        return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
    }
}
