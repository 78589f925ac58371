// Early stopping with the semantics of HF's EarlyStoppingCallback (with load_best_model_at_end): each
// evaluation is compared with the best validation loss seen before it; it counts as an improvement only when
// it is lower by more than `delta` (early-stop-delta), which resets the patience counter; otherwise the counter
// grows, and `patience` (early-stop) evaluations without improvement stop the run. The best loss itself moves
// on any lower value, as HF's best_metric does, and the checkpoint that holds it is the one made live.

public struct EarlyStopState: Codable, Equatable, Sendable {
    public var best: Double?          // lowest validation loss so far
    public var bestStep: Int?         // the step it was measured at
    public var waited = 0             // evaluations since the last improvement
    public init() {}

    /// Records one evaluation; returns true when it improved on the best by more than `delta`.
    @discardableResult
    public mutating func record(loss: Double, step: Int, delta: Double) -> Bool {
        let improved = best.map { loss < $0 && $0 - loss > delta } ?? true
        waited = improved ? 0 : waited + 1
        if best.map({ loss < $0 }) ?? true { best = loss; bestStep = step }
        return improved
    }

    /// True when `patience` (> 0) evaluations in a row did not improve.
    public func shouldStop(patience: Int) -> Bool { patience > 0 && waited >= patience }
}
