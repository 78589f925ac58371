// Every setting sft knows, in the order `get` lists them: the training hyperparameters (rows of the core's
// HyperparameterTable, so `set` and `train` accept the same ranges), then the generation parameters.
// Read one with `session.settings.int/double/string/list(name)`.
import SFT

public enum SettingsCatalog {
    public static let all: [SettingSpec] = HyperparameterTable.specs + compute + generation

    /// How the machine computes, not what is trained: not part of a run's hyperparameters.
    static let compute: [SettingSpec] = [
        SettingSpec("precision", group: "compute", .choice(["auto", "bf16", "fp32"]), default: .string("auto"),
                    "matrix products in bf16 (fp32 sums) or fp32; auto = bf16 where measured faster"),
    ]

    static let generation: [SettingSpec] = [
        // generation
        SettingSpec("temperature", group: "generation", .double(lower: .closed(0), upper: nil), default: .double(0.7),
                    "sampling temperature (0 = greedy)"),
        SettingSpec("top-k", group: "generation", .int(min: 0, max: nil), default: .int(0),
                    "keep the k most likely tokens (0 = off)"),
        SettingSpec("top-p", group: "generation", .double(lower: .open(0), upper: .closed(1)), default: .double(1),
                    "nucleus sampling mass (1 = off)"),
        SettingSpec("min-p", group: "generation", .double(lower: .closed(0), upper: .closed(1)), default: .double(0),
                    "drop tokens below min-p times the top probability (0 = off)"),
        SettingSpec("repetition-penalty", group: "generation", .double(lower: .open(0), upper: nil),
                    default: .double(1), "penalty on tokens already generated (1 = off)"),
        SettingSpec("max-tokens", group: "generation", .int(min: 1, max: nil), default: .int(256),
                    "most new tokens per reply"),
        SettingSpec("system", group: "generation", .string, default: .string(""),
                    "system prompt for chat (empty = the template's default)"),
    ]
}
