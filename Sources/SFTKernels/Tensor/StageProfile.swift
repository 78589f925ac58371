// Wall-clock seconds per named stage of a training step (attention, linear layers, head, ...), so a speed
// change can be aimed at the stage that costs. Off unless `enabled` (sft-bench sets it with SFT_PROFILE=1);
// when off a stage costs one branch. Stages are timed on the calling thread and must not nest.
import Dispatch
import Foundation

public enum StageProfile {
    nonisolated(unsafe) public static var enabled = false
    nonisolated(unsafe) private static var seconds: [String: Double] = [:]
    nonisolated(unsafe) private static var order: [String] = []

    @inline(__always)
    public static func measure<R>(_ stage: String, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer {
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if seconds[stage] == nil { order.append(stage) }
            seconds[stage, default: 0] += s
        }
        return try body()
    }

    public static func reset() { seconds = [:]; order = [] }

    /// One line per stage in first-seen order: seconds (divided by `per`) and share of the total.
    public static func report(per: Double = 1) -> String {
        let total = seconds.values.reduce(0, +)
        return order.map { stage in
            let s = seconds[stage]!
            return "  \(stage.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(format: "%7.1f ms %5.1f%%", s / per * 1e3, 100 * s / max(total, 1e-12)))"
        }.joined(separator: "\n")
    }
}
