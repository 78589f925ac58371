// The `export` group: the active adapter or model in formats other tools load.
//   export peft DIR      adapter_config.json + adapter_model.safetensors (HF PEFT, LLaMA-Factory, vLLM);
//                        base_model_name_or_path from --base-model or BaseModelID's guess (with a note)
//   export merged DIR    config.json + model.safetensors (--dtype f32|bf16|f16, LoRA merged) + tokenizer files
//                        (copied from an HF source; from a GGUF source: tokenizer.json and tokenizer_config.json
//                        from HFTokenizerExport, generation_config.json)
//   export gguf FILE     merged weights as f32/f16/q8_0/q4_0/q4_k_m (GGUFExportType: llama.cpp's per-tensor types)
//                        with every tokenizer.* key of the source GGUF, or for an HF source those keys written by
//                        GGUFTokenizerExport (vocabulary, merges or scores, special ids, chat template: stop tokens
//                        travel)
//   export ollama DIR    model.gguf + Modelfile (TEMPLATE, SYSTEM, stop and sampling parameters)
//   export job DIR       a LLaMA-Factory job: datasets, training YAML, DeepSpeed config, launch script
// LoRA is merged into a copy of the weights, never into the live model.
import ArgumentParser
import Foundation
import SFT

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the adapter or model for other tools: peft, merged, gguf, ollama, job.",
        subcommands: [ExportPEFT.self, ExportMerged.self, ExportGGUF.self, ExportOllama.self, ExportJob.self])
}

struct ExportPEFT: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(commandName: "peft", abstract: "Write the active adapter as a PEFT adapter directory.")
    @Argument(help: "Directory to write (created).") var dir: String
    @Option(help: "base_model_name_or_path: the base model's hub id or a path PEFT can load (default: guessed from the model).")
    var baseModel: String?

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let lora = try session.requireAdapter()
        let d = (dir as NSString).expandingTildeInPath
        let base = try BaseModelID.resolve(modelPath: m.path, given: baseModel)
        try LoRAIO.write(lora, directory: d, baseModelName: base.id)
        session.out.print("wrote \(d)/: \(LoRAIO.configFile), \(LoRAIO.weightsFile) (rank \(lora.config.rank), \(Format.big(lora.params.count)) parameters, base \(base.id))")
        if let note = base.note { session.out.print("note: " + note) }
    }
}

struct ExportMerged: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "merged", abstract: "Write an HF model directory: config.json, model.safetensors (adapter merged), tokenizer files.")
    @Argument(help: "Directory to write (created).") var dir: String
    @Option(help: "Weight type in model.safetensors: f32, bf16 or f16 (config.json's torch_dtype says which).")
    var dtype: ExportDType = .f32

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let d = (dir as NSString).expandingTildeInPath
        let merged = LoRAIO.mergedCopy(m.params, lora: m.transformer.lora)
        try saveHFWeights(merged, directory: d, dtype: dtype.safetensors)
        var written = ["config.json", "model.safetensors"]
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: m.path, isDirectory: &isDir), isDir.boolValue {
            for f in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja"]
            where FileManager.default.fileExists(atPath: m.path + "/" + f) {
                try? FileManager.default.removeItem(atPath: d + "/" + f)
                try FileManager.default.copyItem(atPath: m.path + "/" + f, toPath: d + "/" + f)
                written.append(f)
            }
        } else {
            for (file, data) in try HFTokenizerExport.files(m.tokenizer, ggufPath: m.path, maxPositions: m.config.maxPositions) {
                try SFT.AtomicFile.write(data, to: d + "/" + file)
                written.append(file)
            }
            let gen: [String: Any] = ["eos_token_id": m.stopTokens.map { Int($0) }, "do_sample": true,
                                      "temperature": session.settings.double("temperature"), "top_p": session.settings.double("top-p")]
            try SFT.AtomicFile.write(try JSONSerialization.data(withJSONObject: gen, options: [.prettyPrinted, .sortedKeys]), to: d + "/generation_config.json")
            written.append("generation_config.json")
        }
        session.out.print("wrote \(d)/: \(written.joined(separator: ", ")) (\(dtype.rawValue)\(m.transformer.lora == nil ? "" : ", adapter merged"))")
    }
}

/// --dtype for merged HF exports.
enum ExportDType: String, ExpressibleByArgument, CaseIterable {
    case f32, bf16, f16
    var safetensors: SafetensorsDType { switch self { case .f32: .f32; case .bf16: .bf16; case .f16: .f16 } }
}

/// --type for GGUF exports.
extension GGUFExportType: @retroactive ExpressibleByArgument {}

/// Writes the merged active model as GGUF with its tokenizer keys (the source GGUF's, or written from an HF
/// directory's tokenizer); returns the file size.
func exportGGUF(_ m: ChatModel, to path: String, type: GGUFExportType) throws -> Int64 {
    try AtomicFile.checkFolder(of: path)
    var meta = try GGUFTokenizerExport.metadata(for: m)
    meta.insert(("general.name", .string(m.name)), at: 0)
    let merged = LoRAIO.mergedCopy(m.params, lora: m.transformer.lora)
    try saveGGUF(merged, to: path, export: type, extraMetadata: meta)
    return ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
}

struct ExportGGUF: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "gguf", abstract: "Write the model (adapter merged) as one GGUF file with its tokenizer and chat template.")
    @Argument(help: "File to write, e.g. model.gguf.") var file: String
    @Option(help: "Weight type: f32, f16, q8_0, q4_0 or q4_k_m (llama.cpp's mix: Q4_K, Q6_K for the head and some attn_v/ffn_down).")
    var type: GGUFExportType = .f16

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let p = (file as NSString).expandingTildeInPath
        let size = try exportGGUF(m, to: p, type: type)
        session.out.print("wrote \(p): \(type.rawValue), \(RepoList.size(size))\(m.transformer.lora == nil ? "" : ", adapter merged"), template \(m.template.name)")
    }
}

struct ExportOllama: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "ollama", abstract: "Write model.gguf and a Modelfile whose template, stops and sampling match sft's.")
    @Argument(help: "Directory to write (created).") var dir: String
    @Option(help: "Weight type: f32, f16, q8_0, q4_0 or q4_k_m.") var type: GGUFExportType = .f16

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let d = (dir as NSString).expandingTildeInPath
        let s = session.settings
        let params = OllamaParameters(temperature: s.double("temperature"), topP: s.double("top-p") < 1 ? s.double("top-p") : nil,
                                      topK: s.int("top-k") > 0 ? s.int("top-k") : nil,
                                      repeatPenalty: s.double("repetition-penalty") != 1 ? s.double("repetition-penalty") : nil,
                                      numPredict: s.int("max-tokens"), numCtx: m.config.maxPositions)
        let system = s.string("system")
        let text = try OllamaModelfile.render(template: m.template.name, ggufFile: "model.gguf", system: system.isEmpty ? nil : system, parameters: params)
        try SFT.AtomicFile.makeDirectory(d)
        let size = try exportGGUF(m, to: d + "/model.gguf", type: type)
        try SFT.AtomicFile.write(Data(text.utf8), to: d + "/Modelfile")
        session.out.print("wrote \(d)/: model.gguf (\(type.rawValue), \(RepoList.size(size))), Modelfile (template \(m.template.name))")
        session.out.print("run: ollama create NAME -f \(d)/Modelfile && ollama run NAME")
    }
}

struct ExportJob: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Write a GPU training job (datasets, YAML, DeepSpeed config) for another engine.")
    @Argument(help: "Directory to write (created).") var dir: String
    @Option(help: "Training engine: llamafactory.") var engine: String = "llamafactory"
    @Option(help: "Training set (default: the last loaded); NAME.valid is used for validation when loaded.") var data: String?
    @Option(help: "Nodes.") var nodes: Int = 1
    @Option(help: "GPUs per node.") var gpus: Int = 8
    @Option(name: [.customLong("base-model"), .customLong("base")],
            help: "The HF model id or path on the cluster (default: guessed from the model, with a note).") var baseModel: String?
    @Flag(help: "Train all weights instead of LoRA.") var full = false

    mutating func run(session: Session) throws {
        guard engine.lowercased() == "llamafactory" || engine.lowercased() == "llama-factory" else {
            throw SFTError("unknown engine '\(engine)'", hint: "engines: llamafactory")
        }
        let m = try session.requireModel()
        var name = try session.dataset(data).name
        if data == nil, name.hasSuffix(".valid") || name.hasSuffix(".train") { name = String(name.dropLast(6)) }
        let train = try session.dataset(session.datasets[name + ".train"] != nil ? name + ".train" : name)
        let valid = session.datasets[name + ".valid"]
        let s = session.settings
        var h = Hyperparameters()
        h.batchSize = s.int("batch-size"); h.epochs = s.int("epochs"); h.learningRate = s.double("learning-rate")
        h.minLRRatio = s.double("min-lr-ratio"); h.warmupRatio = s.double("warmup-ratio"); h.weightDecay = s.double("weight-decay")
        h.clipNorm = s.double("clip-norm"); h.gradAccum = s.int("grad-accum"); h.maxSeqLen = s.int("max-seq-len")
        h.saveSteps = s.int("save-steps"); h.evalSteps = s.int("eval-steps"); h.seed = UInt64(s.int("seed"))
        h.loraRank = s.int("lora-rank"); h.loraAlpha = s.double("lora-alpha"); h.loraDropout = s.double("lora-dropout")
        let targets = full ? [] : s.list("lora-targets")
        h.loraTargets = targets
        let d = (dir as NSString).expandingTildeInPath
        var isDir: ObjCBool = false
        let hf = FileManager.default.fileExists(atPath: m.path, isDirectory: &isDir) && isDir.boolValue ? m.path : nil
        // An HF directory given by path stays a path (the job may run where it is mounted); otherwise a hub id.
        let base = try BaseModelID.resolve(modelPath: m.path, given: baseModel)
        let hfPath = baseModel != nil || hf == nil || BaseModelID.isHubID(base.id) ? base.id : hf!
        try LlamaFactoryJob.write(to: d, datasets: [(name: name, train: train.conversations, valid: valid?.conversations)],
                                  model: (name: m.name, hfPath: hfPath), template: m.template.name,
                                  mode: full ? .full : .lora, hyper: h, loraTargets: targets,
                                  cluster: LlamaFactoryJob.Cluster(nodes: nodes, gpusPerNode: gpus))
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: d).filter { !$0.hasPrefix(".") }.sorted()) ?? []
        session.out.print("wrote \(d)/: \(files.joined(separator: ", "))")
        session.out.print("train: \(Plural.count(train.count, "sample"))\(valid.map { ", valid: \($0.count) samples" } ?? ""); the adapter it writes loads back with `lora load DIR`")
        if hfPath == base.id, let note = base.note { session.out.print("note: " + note) }
    }
}
