// PEFTLayout: the names and config of a LoRA adapter as HF PEFT saves it (adapter_model.safetensors +
// adapter_config.json), so sft's adapters load in transformers/PEFT, LLaMA-Factory and vLLM, and theirs load
// here. Key and shape per target, for layer l (checked against what PEFT writes, Tests/Fixtures/export/peft):
//   base_model.model.model.layers.{l}.self_attn.{q,k,v,o}_proj.lora_{A,B}.weight
//   base_model.model.model.layers.{l}.mlp.{gate,up,down}_proj.lora_{A,B}.weight
//   lora_A.weight: (r, in)     lora_B.weight: (out, r)     delta W (out, in) = (alpha / r) * B @ A
// It reads and writes names and JSON only; the tensors go through the safetensors reader/writer.
import Foundation

public enum PEFTLayout {
    public enum Matrix: String, Sendable { case A, B }

    /// sft's target names (Hyperparameters.loraTargetNames) and PEFT's module names, in canonical order.
    public static let targets: [(short: String, module: String, block: String)] = [
        ("q", "q_proj", "self_attn"), ("k", "k_proj", "self_attn"), ("v", "v_proj", "self_attn"),
        ("o", "o_proj", "self_attn"), ("gate", "gate_proj", "mlp"), ("up", "up_proj", "mlp"),
        ("down", "down_proj", "mlp"),
    ]

    /// "q" -> "q_proj"; nil for a name that is not one of the seven.
    public static func moduleName(_ target: String) -> String? { targets.first { $0.short == target }?.module }

    /// "q_proj" (or "q") -> "q"; nil otherwise.
    public static func shortName(_ module: String) -> String? {
        targets.first { $0.module == module || $0.short == module }?.short
    }

    /// The tensor name in adapter_model.safetensors, e.g. key(layer: 3, target: "q", matrix: .A) =
    /// "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight". `target` is sft's short name.
    public static func key(layer: Int, target: String, matrix: Matrix) -> String {
        guard let t = targets.first(where: { $0.short == target }) else {
            preconditionFailure("unknown LoRA target \(target)")
        }
        return "base_model.model.model.layers.\(layer).\(t.block).\(t.module).lora_\(matrix.rawValue).weight"
    }

    /// The reverse of `key`; nil for any other name (base weights, embeddings, lora_embedding_*, ...).
    public static func parse(key: String) -> (layer: Int, target: String, matrix: Matrix)? {
        let prefix = "base_model.model.model.layers."
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, let layer = Int(parts[0]), layer >= 0, String(layer) == parts[0], parts[4] == "weight",
              let t = targets.first(where: { $0.block == parts[1] && $0.module == parts[2] }) else { return nil }
        switch parts[3] {
        case "lora_A": return (layer, t.short, .A)
        case "lora_B": return (layer, t.short, .B)
        default: return nil
        }
    }

    /// Shape of a LoRA matrix for this model: A (r, in), B (out, r).
    public static func shape(target: String, matrix: Matrix, rank: Int, config c: ModelConfig) -> [Int] {
        let (inDim, outDim): (Int, Int) = switch target {
        case "q": (c.hiddenSize, c.qDim)
        case "k", "v": (c.hiddenSize, c.kvDim)
        case "o": (c.qDim, c.hiddenSize)
        case "gate", "up": (c.hiddenSize, c.intermediateSize)
        case "down": (c.intermediateSize, c.hiddenSize)
        default: preconditionFailure("unknown LoRA target \(target)")
        }
        return matrix == .A ? [rank, inDim] : [outDim, rank]
    }

    /// adapter_config.json as PEFT's LoraConfig.save_pretrained writes it, limited to the fields PEFT has
    /// accepted since 0.9 (newer fields take their defaults), keys sorted, targets in canonical order.
    public static func adapterConfigJSON(rank: Int, alpha: Double, dropout: Double, targets short: [String],
                                         baseModelName: String?) -> Data {
        let modules = targets.filter { short.contains($0.short) }.map(\.module)
        precondition(modules.count == Set(short).count, "unknown LoRA target in \(short)")
        let config: [String: Any] = [
            "alpha_pattern": [String: Any](), "auto_mapping": NSNull(),
            "base_model_name_or_path": baseModelName.map { $0 as Any } ?? NSNull(),
            "bias": "none", "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true,
            "layer_replication": NSNull(), "layers_pattern": NSNull(), "layers_to_transform": NSNull(),
            "loftq_config": [String: Any](), "lora_alpha": integralOrDouble(alpha), "lora_dropout": dropout,
            "megatron_config": NSNull(), "megatron_core": "megatron.core", "modules_to_save": NSNull(),
            "peft_type": "LORA", "r": rank, "rank_pattern": [String: Any](), "revision": NSNull(),
            "target_modules": modules, "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": false,
        ]
        // JSONSerialization cannot fail on these plain values.
        let data = try? JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return (data ?? Data()) + Data("\n".utf8)
    }

    /// What sft needs from an adapter_config.json; anything it cannot apply is an error that names the field.
    public struct AdapterConfig: Equatable, Sendable {
        public var rank: Int
        public var alpha: Double
        public var dropout: Double
        public var targets: [String]          // sft short names, canonical order
        public var baseModelName: String?
        public init(rank: Int, alpha: Double, dropout: Double, targets: [String], baseModelName: String?) {
            self.rank = rank
            self.alpha = alpha
            self.dropout = dropout
            self.targets = targets
            self.baseModelName = baseModelName
        }
    }

    public static func parseAdapterConfig(_ data: Data, file: String? = nil) throws -> AdapterConfig {
        func fail(_ what: String, _ hint: String) -> SFTError { SFTError("adapter_config.json: \(what)", hint: hint, file: file) }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let c = obj as? [String: Any] else {
            throw fail("not a JSON object", "is this the adapter_config.json PEFT wrote next to adapter_model.safetensors?")
        }
        func isSet(_ key: String) -> Bool {
            switch c[key] {
            case nil, is NSNull: return false
            case let b as Bool: return b
            case let d as [String: Any]: return !d.isEmpty
            case let a as [Any]: return !a.isEmpty
            case let s as String: return !s.isEmpty
            case let n as NSNumber: return n.intValue != 0
            default: return true
            }
        }
        let peftType = c["peft_type"] as? String ?? "LORA"
        guard peftType == "LORA" else { throw fail("peft_type \(peftType) is not supported", "sft loads LoRA adapters only") }
        if let task = c["task_type"] as? String, task != "CAUSAL_LM" {
            throw fail("task_type \(task) is not supported", "sft loads CAUSAL_LM adapters")
        }
        guard let r = (c["r"] as? NSNumber)?.intValue, r >= 1 else { throw fail("r is missing or not a positive integer", "set \"r\"") }
        let alpha = (c["lora_alpha"] as? NSNumber)?.doubleValue ?? 8   // PEFT's default lora_alpha
        let dropout = (c["lora_dropout"] as? NSNumber)?.doubleValue ?? 0
        let unsupported: [(String, String)] = [
            ("use_rslora", "rsLoRA scales by alpha/sqrt(r); sft scales by alpha/r"),
            ("use_dora", "DoRA adds a magnitude vector sft does not have"),
            ("modules_to_save", "the adapter carries full copies of other modules"),
            ("rank_pattern", "per-module ranks"), ("alpha_pattern", "per-module alphas"),
            ("layers_to_transform", "LoRA on only some layers"), ("fan_in_fan_out", "transposed (Conv1D) weights"),
            ("lora_bias", "LoRA bias vectors"), ("use_qalora", "QA-LoRA pooling"), ("trainable_token_indices", "trainable token embeddings"),
            ("layer_replication", "replicated layers"), ("target_parameters", "LoRA on parameters, not modules"),
        ]
        for (key, why) in unsupported where isSet(key) {
            throw fail("\(key) is set (\(why)), which sft does not support",
                       "retrain with plain LoRA: \(key) off, bias none, modules_to_save null")
        }
        if let bias = c["bias"] as? String, bias != "none" {
            throw fail("bias \"\(bias)\" is not supported (the adapter trains bias vectors)", "retrain with bias=\"none\"")
        }
        var modules: [String]
        switch c["target_modules"] {
        case let list as [String]: modules = list
        case let s as String where s == "all-linear": modules = targets.map(\.module)
        case let s as String: throw fail("target_modules is the pattern \"\(s)\"", "list the modules, e.g. [\"q_proj\", \"v_proj\"]")
        default: throw fail("target_modules is missing", "list the modules, e.g. [\"q_proj\", \"v_proj\"]")
        }
        modules = modules.map { $0.split(separator: ".").last.map(String.init) ?? $0 }
        let unknown = modules.filter { m in !targets.contains { $0.module == m } }
        if !unknown.isEmpty {
            throw fail("target_modules \(unknown.joined(separator: ", ")) are not LoRA targets sft has",
                       "sft targets \(targets.map(\.module).joined(separator: ", "))")
        }
        if modules.isEmpty { throw fail("target_modules is empty", "list at least one module") }
        let short = targets.filter { modules.contains($0.module) }.map(\.short)
        return AdapterConfig(rank: r, alpha: alpha, dropout: dropout, targets: short,
                             baseModelName: c["base_model_name_or_path"] as? String)
    }

    /// 16.0 -> 16 (PEFT and LLaMA-Factory write integer alphas), 12.5 stays a Double.
    static func integralOrDouble(_ v: Double) -> Any {
        v == v.rounded() && abs(v) < 1e15 ? Int(v) : v
    }
}
