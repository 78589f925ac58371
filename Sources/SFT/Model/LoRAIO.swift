// LoRAIO: a LoRA adapter to and from the files HF PEFT writes: adapter_config.json (PEFTLayout.adapterConfigJSON)
// and adapter_model.safetensors (PEFTLayout.key names; A (r, in), B (out, r), fp32). Reading checks the config
// (PEFTLayout.parseAdapterConfig), that every tensor the config implies is present with the shape this model
// needs, and that no other tensor is there; every error names the file and the key. Names and JSON live in
// PEFTLayout; this file only moves the numbers.
import Foundation

public enum LoRAIO {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    /// Writes `directory`/adapter_config.json and `directory`/adapter_model.safetensors (creates the directory).
    /// Returns the two paths.
    @discardableResult
    public static func write(_ lora: LoRA, directory: String, baseModelName: String? = nil) throws -> [String] {
        try AtomicFile.makeDirectory(directory)
        let c = lora.config
        let json = PEFTLayout.adapterConfigJSON(rank: c.rank, alpha: Double(c.alpha), dropout: Double(c.dropout),
                                                targets: c.targets.map(\.rawValue), baseModelName: baseModelName)
        var w = SafetensorsWriter(dtype: .f32)
        for l in 0..<lora.model.numLayers {
            for t in c.targets {
                for m in [PEFTLayout.Matrix.A, .B] {
                    let v = (m == .A ? lora.a(t, layer: l) : lora.b(t, layer: l))!
                    try w.add(PEFTLayout.key(layer: l, target: t.rawValue, matrix: m), shape: v.shape,
                              data: UnsafeBufferPointer(start: v.ptr, count: v.count))
                }
            }
        }
        let weights = directory + "/" + weightsFile, config = directory + "/" + configFile
        try withExtendedLifetime(lora) { try w.write(to: weights) }
        try AtomicFile.write(json, to: config)
        return [config, weights]
    }

    /// Reads a PEFT adapter directory into a new LoRA for `model` (not attached).
    public static func read(directory: String, model: ModelConfig) throws -> LoRA {
        let config = directory + "/" + configFile, weights = directory + "/" + weightsFile
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw SFTError("no such adapter directory", hint: "give the directory holding adapter_config.json and adapter_model.safetensors", file: directory)
        }
        guard FileManager.default.fileExists(atPath: config) else {
            throw SFTError("no adapter_config.json", hint: "a PEFT adapter directory holds adapter_config.json and adapter_model.safetensors", file: directory)
        }
        let data = try RegularFile.read(config, limit: 1 << 20, what: "adapter_config.json")
        guard FileManager.default.fileExists(atPath: weights) else {
            let bin = FileManager.default.fileExists(atPath: directory + "/adapter_model.bin")
            throw SFTError("no adapter_model.safetensors", hint: bin ? "adapter_model.bin (pickle) is not read; re-save with safe_serialization=True"
                                                                      : "save the adapter with PEFT's save_pretrained", file: directory)
        }
        return try read(configData: data, configPath: config, weightsPath: weights, model: model)
    }

    /// Reads adapter_config.json bytes and an adapter_model.safetensors file; paths are for error messages.
    public static func read(configData: Data, configPath: String?, weightsPath: String, model: ModelConfig) throws -> LoRA {
        let ac = try PEFTLayout.parseAdapterConfig(configData, file: configPath)
        let targets = ac.targets.compactMap { LoRATarget(rawValue: $0) }
        let cfg = LoRAConfig(rank: ac.rank, alpha: Float(ac.alpha), dropout: Float(ac.dropout), targets: targets)
        do { try cfg.validate() } catch let e as SFTError { throw SFTError(e.message, hint: e.hint, file: configPath) }
        let lora = try LoRA(model: model, config: cfg)
        let st = try SafetensorsFile(path: weightsPath)
        var expected = Set<String>()
        for l in 0..<model.numLayers {
            for t in targets {
                for m in [PEFTLayout.Matrix.A, .B] {
                    let key = PEFTLayout.key(layer: l, target: t.rawValue, matrix: m)
                    expected.insert(key)
                    let v = (m == .A ? lora.a(t, layer: l) : lora.b(t, layer: l))!
                    guard let info = st.tensors[key] else {
                        throw SFTError("tensor '\(key)' is missing", hint: "adapter_config.json targets \(ac.targets.joined(separator: " ")) on \(model.numLayers) layers; the file lacks this one", file: weightsPath)
                    }
                    guard info.shape == v.shape else {
                        throw SFTError("tensor '\(key)' has shape \(info.shape), this model needs \(v.shape)",
                                       hint: "the adapter was trained on another base model (hidden \(model.hiddenSize), ffn \(model.intermediateSize), \(model.numLayers) layers)", file: weightsPath)
                    }
                    try st.read(key, into: v.ptr, count: v.count)
                }
            }
        }
        for key in st.tensors.keys.sorted() where !expected.contains(key) {
            if let p = PEFTLayout.parse(key: key), p.layer >= model.numLayers {
                throw SFTError("tensor '\(key)' is for layer \(p.layer), this model has \(model.numLayers) layers",
                               hint: "the adapter was trained on another base model", file: weightsPath)
            }
            throw SFTError("tensor '\(key)' is not a LoRA matrix of the configured targets",
                           hint: "sft loads plain LoRA A/B matrices for \(ac.targets.joined(separator: " ")) only", file: weightsPath)
        }
        for v in lora.named.map(\.1) where !(0..<v.count).allSatisfy({ v.ptr[$0].isFinite }) {
            throw SFTError("the adapter holds NaN or infinite values", hint: "the training that made it diverged", file: weightsPath)
        }
        return lora
    }

    /// A copy of `params` with `lora` merged in (W += scale * B @ A); the given parameters are untouched.
    public static func mergedCopy(_ params: ParameterTensors, lora: LoRA?) -> ParameterTensors {
        params.mergedCopy(lora: lora)
    }
}
