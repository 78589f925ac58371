// The seeds' recommended parameter sets for their scenarios (basic chat, NL2SQL, NL2JSON, NL2CODE), for full
// and LoRA training, and `preset auto`, which picks epochs from the dataset size as the Qianfan guide suggests
// (about 15 epochs for 100 samples, 10 for 1,000, 2 for 10,000). Structured-output scenarios want more epochs
// and a lower learning rate than open chat; LoRA takes a learning rate about 10x that of full training.
import Foundation

public enum Scenario: String, CaseIterable, Sendable { case basic, nl2sql, nl2json, nl2code }

public struct Preset: Sendable {
    public var scenario: Scenario
    public var mode: TrainingMode
    public var apply: @Sendable (inout Hyperparameters) -> Void
}

public enum Presets {
    public static func named(_ name: String, mode: TrainingMode) throws -> Preset {
        guard let s = Scenario(rawValue: name.lowercased()) else {
            throw SFTError("unknown preset '\(name)'",
                           hint: "presets: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")), auto")
        }
        return Preset(scenario: s, mode: mode) { h in
            let lora = mode == .lora
            switch s {
            case .basic:   h.learningRate = lora ? 3e-4 : 3e-5; h.epochs = 3; h.batchSize = 8; h.loraRank = 8
            case .nl2sql:  h.learningRate = lora ? 2e-4 : 2e-5; h.epochs = 5; h.batchSize = 8; h.loraRank = 16
            case .nl2json: h.learningRate = lora ? 2e-4 : 2e-5; h.epochs = 4; h.batchSize = 8; h.loraRank = 16
            case .nl2code: h.learningRate = lora ? 1e-4 : 1e-5; h.epochs = 5; h.batchSize = 8; h.loraRank = 32
            }
            h.loraAlpha = Double(h.loraRank) * 2
            h.warmupRatio = 0.05
            h.minLRRatio = 0.1
            h.weightDecay = lora ? 0 : 0.01
            h.clipNorm = 1.0
        }
    }

    /// The learning rates the presets use for `mode` (full: 1e-5 to 3e-5, LoRA: 1e-4 to 3e-4).
    public static func learningRates(mode: TrainingMode) -> ClosedRange<Double> {
        let rates = Scenario.allCases.map { s -> Double in
            var h = Hyperparameters()
            (try? named(s.rawValue, mode: mode))?.apply(&h)
            return h.learningRate
        }
        return rates.min()!...rates.max()!
    }

    /// A warning when `lr` is more than 10x outside the presets' range for `mode` (a LoRA rate for full
    /// fine-tuning wrecks the model; a full rate for LoRA barely moves the adapters); nil when it is near.
    public static func learningRateWarning(mode: TrainingMode, lr: Double) -> String? {
        let r = learningRates(mode: mode)
        let name = mode == .full ? "full fine-tuning" : "LoRA"
        let range = String(format: "%.0e to %.0e", r.lowerBound, r.upperBound)
        if lr > r.upperBound * 10 {
            return "warning: learning-rate \(String(format: "%.1e", lr)) is far above what the presets use for \(name) (\(range)); "
                + (mode == .full ? "it may wreck the model" : "the loss may jump or diverge")
        }
        if lr < r.lowerBound / 10 {
            return "warning: learning-rate \(String(format: "%.1e", lr)) is far below what the presets use for \(name) (\(range)); the weights will barely move"
        }
        return nil
    }

    /// Epochs for a dataset of `samples` conversations: log-linear through (100, 15), (1000, 10), (10000, 2),
    /// clamped to the allowed 1...50.
    public static func autoEpochs(samples: Int) -> Int {
        let n = Double(max(1, samples))
        let x = log10(n)
        let e: Double
        if x <= 2 { e = 15 + (2 - x) * 5 }
        else if x <= 3 { e = 15 - (x - 2) * 5 }
        else if x <= 4 { e = 10 - (x - 3) * 8 }
        else { e = 2 - (x - 4) }
        return min(50, max(1, Int(e.rounded())))
    }
}
