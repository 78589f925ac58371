// LlamaFactoryJob: `export job DIR --engine llamafactory` (issue 6, "Outgrowing one machine"). Writes a
// directory that trains the same model, on the same data, with the same settings on a GPU cluster:
//   DIR/data/<name>.json (+ <name>_valid.json)  the conversations, LLaMA-Factory sharegpt layout with
//                                                OpenAI-style {"messages": [{"role", "content"}]}
//   DIR/data/dataset_info.json                   how LLaMA-Factory reads those files
//   DIR/train.yaml                               `llamafactory-cli train train.yaml`
//   DIR/ds_z2_config.json                        DeepSpeed ZeRO-2, "auto" values filled in by the HF Trainer
//   DIR/run.sh                                   FORCE_TORCHRUN=1 NNODES=... llamafactory-cli train train.yaml
//   DIR/README.md                                how to run it and bring the result back (`lora load DIR/output`)
// Every setting's key and any difference in meaning: docs/llamafactory-mapping.md. `files` is pure (tests
// read it); `write` puts each file in place atomically.
import Foundation

public enum LlamaFactoryJob {
    /// Where the job runs. Samples per optimizer step there = per_device_train_batch_size
    /// * gradient_accumulation_steps * nodes * gpusPerNode.
    public struct Cluster: Equatable, Sendable {
        public var nodes: Int
        public var gpusPerNode: Int
        public init(nodes: Int = 1, gpusPerNode: Int = 8) {
            self.nodes = nodes
            self.gpusPerNode = gpusPerNode
        }
        public var worldSize: Int { nodes * gpusPerNode }
    }

    /// sft's batch size (samples per optimizer step) split over the cluster:
    ///   perGPU = ceil(batchSize / worldSize) samples each GPU contributes per step;
    ///   accum = sft's grad-accum if it divides perGPU, else 1; perDevice = perGPU / accum;
    ///   effective = perDevice * accum * worldSize, which equals batchSize when worldSize divides it and is
    ///   larger otherwise (e.g. batch 8 on 16 GPUs trains with 16). The README says so when it differs.
    public static func batchSplit(batchSize: Int, gradAccum: Int, worldSize: Int)
        -> (perDevice: Int, accum: Int, effective: Int) {
        let world = max(1, worldSize)
        let perGPU = max(1, (batchSize + world - 1) / world)
        let accum = gradAccum >= 1 && perGPU % gradAccum == 0 ? gradAccum : 1
        return (perGPU / accum, accum, perGPU / accum * accum * world)
    }

    public typealias Dataset = (name: String, train: [Conversation], valid: [Conversation]?)

    /// Writes the job into `dir` (created if missing). `template` is a name ExportChatTemplate accepts;
    /// `model.hfPath` is the HF hub id or a path on the cluster (the GGUF sft reads does not load there),
    /// `model.name` is used when it is nil. `loraTargets` are sft's short names (q, k, v, o, gate, up, down).
    public static func write(to dir: String, datasets: [Dataset], model: (name: String, hfPath: String?),
                             template: String, mode: TrainingMode, hyper: Hyperparameters, loraTargets: [String],
                             cluster: Cluster = Cluster()) throws {
        let out = try files(datasets: datasets, model: model, template: template, mode: mode, hyper: hyper,
                            loraTargets: loraTargets, cluster: cluster)
        try AtomicFile.makeDirectory(dir + "/data")
        for (path, data) in out {
            let full = dir + "/" + path
            try AtomicFile.write(data, to: full)
            if path.hasSuffix(".sh"), chmod(full, 0o755) != 0 { throw AtomicFile.posixError("cannot make executable", full) }
        }
    }

    /// The job's files, paths relative to DIR, in writing order (data first, README last).
    public static func files(datasets: [Dataset], model: (name: String, hfPath: String?), template: String,
                             mode: TrainingMode, hyper: Hyperparameters, loraTargets: [String],
                             cluster: Cluster = Cluster()) throws -> [(path: String, data: Data)] {
        var h = hyper
        if mode == .lora || !loraTargets.isEmpty { h.loraTargets = loraTargets }   // full training ignores targets
        try h.validate()
        let t = try ExportChatTemplate(named: template)
        guard !datasets.isEmpty else { throw SFTError("no dataset to export", hint: "load a dataset first: data load FILE") }
        guard cluster.nodes >= 1, cluster.gpusPerNode >= 1 else {
            throw SFTError("a cluster needs at least 1 node with 1 GPU, got \(cluster.nodes) x \(cluster.gpusPerNode)",
                           hint: "use --nodes N --gpus N with N >= 1")
        }
        if mode == .lora, h.loraAlpha != h.loraAlpha.rounded() {
            throw SFTError("LLaMA-Factory's lora_alpha is an integer, got \(h.loraAlpha)", hint: "set lora-alpha to a whole number")
        }
        var seen = Set<String>()
        for d in datasets {
            guard !d.name.isEmpty, d.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }),
                  !d.name.hasPrefix(".") else {
                throw SFTError("dataset name '\(d.name)' cannot be a file name in the job",
                               hint: "use letters, digits, '_', '-', '.'")
            }
            guard seen.insert(d.name).inserted, !seen.contains(d.name + "_valid") else {
                throw SFTError("dataset name '\(d.name)' is used twice", hint: "give each dataset its own name")
            }
            if d.train.isEmpty { throw SFTError("dataset '\(d.name)' has no training conversations", hint: "check the split") }
        }
        var result: [(path: String, data: Data)] = []
        var info: [(String, String)] = []
        for d in datasets {
            result.append(("data/\(d.name).json", datasetJSON(d.train, template: t)))
            info.append((d.name, d.name + ".json"))
            if let v = d.valid, !v.isEmpty {
                result.append(("data/\(d.name)_valid.json", datasetJSON(v, template: t)))
                info.append((d.name + "_valid", d.name + "_valid.json"))
            }
        }
        result.append(("data/dataset_info.json", datasetInfoJSON(info)))
        let yaml = trainYAML(datasets: datasets, model: model, template: t, mode: mode, hyper: h, cluster: cluster)
        result.append(("train.yaml", Data(yaml.utf8)))
        result.append(("ds_z2_config.json", Data(deepSpeedZeRO2.utf8)))
        result.append(("run.sh", Data(runScript(cluster).utf8)))
        let split = batchSplit(batchSize: h.batchSize, gradAccum: h.gradAccum, worldSize: cluster.worldSize)
        result.append(("README.md", Data(readme(model: model, template: t, mode: mode, hyper: h, cluster: cluster,
                                                split: split, datasets: datasets).utf8)))
        return result
    }

    // MARK: - data

    /// One JSON array, one conversation per line, each message {"role": ..., "content": ...} in that order.
    /// The template's default system message is written out for conversations without one, so LLaMA-Factory
    /// trains on the text sft renders (its own defaults differ). Qwen3 reasoning goes into the content as a think
    /// block (ExportChatTemplate.exportedContent), where LLaMA-Factory's qwen3 template looks for it.
    public static func datasetJSON(_ conversations: [Conversation], template: ExportChatTemplate) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding a String cannot fail.
        func quoted(_ s: String) -> String { String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self) }
        var out = "[\n"
        for (i, c) in conversations.enumerated() {
            let turns = template.withDefaultSystem(c.messages).map { "{\"role\":\"\($0.role.rawValue)\",\"content\":\(quoted(template.exportedContent($0)))}" }
            out += "{\"messages\":[" + turns.joined(separator: ",") + "]}" + (i + 1 < conversations.count ? ",\n" : "\n")
        }
        out += "]\n"
        return Data(out.utf8)
    }

    /// data/dataset_info.json: for each file, sharegpt formatting with OpenAI role/content tags.
    public static func datasetInfoJSON(_ entries: [(name: String, file: String)]) -> Data {
        var info: [String: Any] = [:]
        for (name, file) in entries {
            info[name] = [
                "file_name": file,
                "formatting": "sharegpt",
                "columns": ["messages": "messages"],
                "tags": ["role_tag": "role", "content_tag": "content", "user_tag": "user",
                         "assistant_tag": "assistant", "system_tag": "system"],
            ] as [String: Any]
        }
        let data = try? JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return (data ?? Data()) + Data("\n".utf8)
    }
}
