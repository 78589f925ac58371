// Hyperparameters of a training run, with the seeds' defaults and allowed ranges, and the seeds' presets.
// The shell's settings feed this struct; `validate()` names the allowed range of any impossible value.

public enum TrainingMode: String, Codable, Sendable { case full, lora }

public struct Hyperparameters: Codable, Equatable, Sendable {
    public var batchSize = 8            // samples per optimizer step (>= 1)
    public var epochs = 1               // 1...50
    public var learningRate = 1e-4      // (0, 1]
    public var minLRRatio = 0.1         // [0, 1]
    public var warmupRatio = 0.03       // [0, 1)
    public var weightDecay = 0.0        // >= 0
    public var clipNorm = 1.0           // >= 0, 0 = off
    public var gradAccum = 1            // >= 1 micro-batches per optimizer step
    public var maxSeqLen = 1024         // 16...32768 tokens
    public var saveSteps = 0            // 0 = off
    public var evalSteps = 0            // 0 = off
    public var seed: UInt64 = 42
    public var loraRank = 8
    public var loraAlpha = 16.0
    public var loraDropout = 0.0
    public var loraTargets = ["q", "k", "v", "o"]

    public init() {}

    public static let loraTargetNames = ["q", "k", "v", "o", "gate", "up", "down"]

    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ range: String, _ value: Any) throws {
            if !ok { throw SFTError("\(name) must be \(range), got \(value)", hint: "set \(name) VALUE") }
        }
        try check(batchSize >= 1 && batchSize <= 4096, "batch-size", "in 1...4096", batchSize)
        try check((1...50).contains(epochs), "epochs", "in 1...50", epochs)
        try check(learningRate > 0 && learningRate <= 1, "learning-rate", "in (0, 1]", learningRate)
        try check((0...1).contains(minLRRatio), "min-lr-ratio", "in [0, 1]", minLRRatio)
        try check(warmupRatio >= 0 && warmupRatio < 1, "warmup-ratio", "in [0, 1)", warmupRatio)
        try check(weightDecay >= 0 && weightDecay.isFinite, "weight-decay", ">= 0", weightDecay)
        try check(clipNorm >= 0 && clipNorm.isFinite, "clip-norm", ">= 0 (0 turns clipping off)", clipNorm)
        try check(gradAccum >= 1 && gradAccum <= 1024, "grad-accum", "in 1...1024", gradAccum)
        try check((16...32768).contains(maxSeqLen), "max-seq-len", "in 16...32768", maxSeqLen)
        try check(saveSteps >= 0, "save-steps", ">= 0 (0 turns it off)", saveSteps)
        try check(evalSteps >= 0, "eval-steps", ">= 0 (0 turns it off)", evalSteps)
        try check(loraRank >= 1 && loraRank <= 4096, "lora-rank", "in 1...4096", loraRank)
        try check(loraAlpha > 0 && loraAlpha.isFinite, "lora-alpha", "> 0", loraAlpha)
        try check(loraDropout >= 0 && loraDropout < 1, "lora-dropout", "in [0, 1)", loraDropout)
        let unknown = loraTargets.filter { !Self.loraTargetNames.contains($0) }
        try check(unknown.isEmpty && !loraTargets.isEmpty, "lora-targets",
                  "a non-empty subset of \(Self.loraTargetNames.joined(separator: ","))", loraTargets.joined(separator: ","))
    }
}
