// Hyperparameters of a training run with the seeds' defaults. Their ranges, setting names and whether a running
// run can change them live in HyperparameterTable.swift (validation is derived from it there).

public enum TrainingMode: String, Codable, Sendable { case full, lora }

public struct Hyperparameters: Codable, Equatable, Sendable {
    public var batchSize = 8            // conversations per optimizer micro-step
    public var epochs = 1
    public var learningRate = 1e-4
    public var optimizer = "adamw"
    public var minLRRatio = 0.1
    public var warmupRatio = 0.03
    public var weightDecay = 0.0        // not applied to norm weights and biases (as HF's Trainer)
    public var clipNorm = 1.0           // 0 = off
    public var gradAccum = 1            // micro-batches per optimizer step
    public var maxSeqLen = 1024
    public var saveSteps = 0            // 0 = off
    public var evalSteps = 0            // 0 = off
    public var earlyStop = 0            // patience in evaluations, 0 = off
    public var earlyStopDelta = 0.0     // an evaluation improves only when it beats the best by more than this
    public var seed: UInt64 = 42
    public var loraRank = 8
    public var loraAlpha = 16.0
    public var loraDropout = 0.0
    public var loraTargets = ["q", "k", "v", "o"]

    public init() {}

    public static let loraTargetNames = ["q", "k", "v", "o", "gate", "up", "down"]

    private enum CodingKeys: String, CodingKey {
        case batchSize, epochs, learningRate, optimizer, minLRRatio, warmupRatio, weightDecay, clipNorm, gradAccum, maxSeqLen,
             saveSteps, evalSteps, earlyStop, earlyStopDelta, seed, loraRank, loraAlpha, loraDropout, loraTargets
    }

    /// Reads what is there and keeps the default for the rest, so runs saved before a field existed still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ v: inout T) throws { if let x = try c.decodeIfPresent(T.self, forKey: k) { v = x } }
        try get(.batchSize, &batchSize); try get(.epochs, &epochs); try get(.learningRate, &learningRate)
        try get(.optimizer, &optimizer); try get(.minLRRatio, &minLRRatio); try get(.warmupRatio, &warmupRatio)
        try get(.weightDecay, &weightDecay); try get(.clipNorm, &clipNorm); try get(.gradAccum, &gradAccum)
        try get(.maxSeqLen, &maxSeqLen); try get(.saveSteps, &saveSteps); try get(.evalSteps, &evalSteps)
        try get(.earlyStop, &earlyStop); try get(.earlyStopDelta, &earlyStopDelta); try get(.seed, &seed)
        try get(.loraRank, &loraRank); try get(.loraAlpha, &loraAlpha); try get(.loraDropout, &loraDropout)
        try get(.loraTargets, &loraTargets)
    }
}
