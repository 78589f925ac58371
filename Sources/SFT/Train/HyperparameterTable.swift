// The one table of training hyperparameters: for each, the setting a person types (name, range, default,
// description), how it reads and writes the Hyperparameters field, and whether a running run can take a new
// value from its next step (`live`) or needs `train --restart`. Everything else is derived from it: the
// shell's training settings, `Hyperparameters.validate()`, `Trainer.update`, the settings a resumed run puts
// back, and the presets' descriptions. Adding a hyperparameter = a field in Hyperparameters and one row here.
import Foundation

public struct HyperparameterField: Sendable {
    public let spec: SettingSpec
    /// A running run takes a new value from its next step; otherwise the value needs `train --restart`.
    public let live: Bool
    /// Part of the LoRA adapters' shape: a LoRA run keeps the value its adapters were made with.
    public let loraShape: Bool
    public let read: @Sendable (Hyperparameters) -> SettingValue
    public let write: @Sendable (inout Hyperparameters, SettingValue) -> Void

    public var name: String { spec.name }
}

public enum HyperparameterTable {
    private static func int(_ name: String, _ kp: WritableKeyPath<Hyperparameters, Int> & Sendable, min: Int?, max: Int?,
                            live: Bool, lora: Bool = false, _ summary: String) -> HyperparameterField {
        HyperparameterField(spec: SettingSpec(name, group: "training", .int(min: min, max: max), default: .int(Hyperparameters()[keyPath: kp]), summary),
                            live: live, loraShape: lora, read: { .int($0[keyPath: kp]) },
                            write: { h, v in if case .int(let x) = v { h[keyPath: kp] = x } })
    }

    private static func double(_ name: String, _ kp: WritableKeyPath<Hyperparameters, Double> & Sendable, _ lo: Bound?, _ hi: Bound?,
                               live: Bool, lora: Bool = false, _ summary: String) -> HyperparameterField {
        HyperparameterField(spec: SettingSpec(name, group: "training", .double(lower: lo, upper: hi), default: .double(Hyperparameters()[keyPath: kp]), summary),
                            live: live, loraShape: lora, read: { .double($0[keyPath: kp]) },
                            write: { h, v in
                                switch v {
                                case .double(let x): h[keyPath: kp] = x
                                case .int(let x): h[keyPath: kp] = Double(x)
                                default: break
                                }
                            })
    }

    /// In the order `get` lists them.
    public static let fields: [HyperparameterField] = [
        int("batch-size", \.batchSize, min: 1, max: 4096, live: false, "conversations per optimizer micro-step"),
        int("epochs", \.epochs, min: 1, max: 50, live: true, "passes over the training split"),
        double("learning-rate", \.learningRate, .open(0), .closed(1), live: true, "peak learning rate"),
        HyperparameterField(spec: SettingSpec("optimizer", group: "training", .choice(["adamw"]), default: .string("adamw"), "optimizer"),
                            live: false, loraShape: false, read: { .string($0.optimizer) },
                            write: { h, v in if case .string(let s) = v { h.optimizer = s } }),
        double("min-lr-ratio", \.minLRRatio, .closed(0), .closed(1), live: true, "final learning rate as a fraction of the peak (cosine decay)"),
        double("warmup-ratio", \.warmupRatio, .closed(0), .open(1), live: true, "fraction of steps spent warming up linearly"),
        int("save-steps", \.saveSteps, min: 0, max: nil, live: true, "keep a checkpoint every N steps (0 = off)"),
        int("eval-steps", \.evalSteps, min: 0, max: nil, live: true, "evaluate on the validation set every N steps (0 = off)"),
        int("early-stop", \.earlyStop, min: 0, max: 1000, live: true, "stop after N evaluations without improvement (0 = off)"),
        double("early-stop-delta", \.earlyStopDelta, .closed(0), nil, live: true, "an evaluation improves only when it beats the best by more"),
        int("lora-rank", \.loraRank, min: 1, max: 1024, live: false, lora: true, "LoRA rank r"),
        double("lora-alpha", \.loraAlpha, .open(0), nil, live: false, lora: true, "LoRA alpha (scale = alpha / rank)"),
        double("lora-dropout", \.loraDropout, .closed(0), .open(1), live: false, lora: true, "dropout on the LoRA input"),
        HyperparameterField(spec: SettingSpec("lora-targets", group: "training", .subset(of: Hyperparameters.loraTargetNames),
                                              default: .list(Hyperparameters().loraTargets), "projections that get LoRA adapters"),
                            live: false, loraShape: true, read: { .list($0.loraTargets) },
                            write: { h, v in if case .list(let l) = v { h.loraTargets = l } }),
        double("weight-decay", \.weightDecay, .closed(0), nil, live: true, "AdamW decoupled weight decay (not on norms and biases)"),
        double("clip-norm", \.clipNorm, .closed(0), nil, live: true, "clip the global gradient norm to this (0 = off)"),
        int("grad-accum", \.gradAccum, min: 1, max: 1024, live: false, "micro-batches accumulated per optimizer step"),
        int("max-seq-len", \.maxSeqLen, min: 16, max: 32768, live: false, "longest tokenized example; longer ones are cut"),
        HyperparameterField(spec: SettingSpec("seed", group: "training", .int(min: 0, max: nil), default: .int(42),
                                              "seed of the one random generator (shuffling, dropout, init, sampling)"),
                            live: false, loraShape: false, read: { .int(Int(truncatingIfNeeded: $0.seed)) },
                            write: { h, v in if case .int(let x) = v { h.seed = UInt64(max(0, x)) } }),
    ]

    public static var specs: [SettingSpec] { fields.map(\.spec) }

    public static func field(_ name: String) -> HyperparameterField? { fields.first { $0.name == name } }

    /// Hyperparameters from setting values (a missing name keeps the default).
    public static func hyperparameters(_ value: (String) -> SettingValue?) -> Hyperparameters {
        var h = Hyperparameters()
        for f in fields { if let v = value(f.name) { f.write(&h, v) } }
        return h
    }

    /// Every field's value in `h`, as the settings show it.
    public static func values(of h: Hyperparameters) -> [(name: String, value: SettingValue)] {
        fields.map { ($0.name, $0.read(h)) }
    }
}

extension Hyperparameters {
    /// Checks every field against its row of HyperparameterTable: the same ranges and messages as `set`.
    public func validate() throws {
        for f in HyperparameterTable.fields {
            do { try f.spec.check(f.read(self)) } catch let e as SFTError {
                throw SFTError(e.message, hint: e.hint ?? "set \(f.name) VALUE")
            }
        }
    }
}
