// Splits row-parallel work over the machine's cores with Dispatch. Kernels call `parallelRows` with a
// closure over a half-open range of rows; small jobs run inline to avoid dispatch overhead.
import Dispatch
import Foundation

public enum Parallel {
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs body over [0, n) in `cores` contiguous chunks. `minPerChunk` rows below which it runs inline.
    public static func rows(_ n: Int, minPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(cores, max(1, n / max(1, minPerChunk)))
        if chunks <= 1 { body(0..<n); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = n * c / chunks, hi = n * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
