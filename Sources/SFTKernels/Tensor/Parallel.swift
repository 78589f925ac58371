// Splits row-parallel work over the machine's cores with Dispatch. Kernels call `parallelRows` with a
// closure over a half-open range of rows; small jobs run inline to avoid dispatch overhead.
import Dispatch
import Foundation

public enum Parallel {
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs body over [0, n) in `cores` contiguous chunks. `minPerChunk` rows below which it runs inline.
    public static func rows(_ n: Int, minPerChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        chunks(n, count: chunkCount(n, minPerChunk: minPerChunk)) { _, r in body(r) }
    }

    /// How many chunks `rows` splits n rows into: one per core, fewer when a chunk would have < minPerChunk rows.
    public static func chunkCount(_ n: Int, minPerChunk: Int = 1) -> Int { min(cores, max(1, n / max(1, minPerChunk))) }

    /// Runs body(chunk index, rows) over [0, n) in `count` contiguous chunks, for kernels that keep a
    /// per-chunk partial sum (index them by the chunk, then add them up).
    public static func chunks(_ n: Int, count: Int, _ body: (Int, Range<Int>) -> Void) {
        if count <= 1 { body(0, 0..<n); return }
        DispatchQueue.concurrentPerform(iterations: count) { c in
            let lo = n * c / count, hi = n * (c + 1) / count
            if lo < hi { body(c, lo..<hi) }
        }
    }
}
