// train.yaml of a LLaMA-Factory job: sft's settings under LLaMA-Factory's keys (HF TrainingArguments plus
// its own model/data/finetuning arguments), grouped the way LLaMA-Factory's examples group them. Key by key,
// with the differences in meaning: docs/llamafactory-mapping.md. Floats always carry a '.' before any
// exponent ("1.0e-04"), because YAML 1.1 (PyYAML) reads "1e-4" as a string.
import Foundation

extension LlamaFactoryJob {
    /// The LLaMA-Factory module names for sft's short LoRA target names, in canonical order.
    public static func loraTargetModules(_ short: [String]) -> [String] {
        PEFTLayout.targets.filter { short.contains($0.short) }.map(\.module)
    }

    static func trainYAML(datasets: [Dataset], model: (name: String, hfPath: String?), template: ExportChatTemplate,
                          mode: TrainingMode, hyper h: Hyperparameters, cluster: Cluster) -> String {
        let split = batchSplit(batchSize: h.batchSize, gradAccum: h.gradAccum, worldSize: cluster.worldSize)
        let warm = warmupSteps(samples: datasets.reduce(0) { $0 + $1.train.count }, hyper: h, worldSize: cluster.worldSize)
        let valid = datasets.filter { !($0.valid ?? []).isEmpty }.map { $0.name + "_valid" }
        var y = """
        # LLaMA-Factory job written by sft `export job --engine llamafactory`. Run ./run.sh (see README.md).
        # Samples per optimizer step = per_device_train_batch_size \(split.perDevice) x gradient_accumulation_steps \
        \(split.accum) x \(cluster.worldSize) GPUs (\(cluster.nodes) node(s) x \(cluster.gpusPerNode)) = \(split.effective)\
        \(split.effective == h.batchSize ? "" : " (sft's batch-size was \(h.batchSize))")

        ### model
        model_name_or_path: \(scalar(model.hfPath ?? model.name))

        ### method
        stage: sft
        do_train: true
        finetuning_type: \(mode == .lora ? "lora" : "full")

        """
        if mode == .lora {
            y += """
            lora_rank: \(h.loraRank)
            lora_alpha: \(Int(h.loraAlpha))
            lora_dropout: \(float(h.loraDropout))
            lora_target: \(loraTargetModules(h.loraTargets).joined(separator: ","))

            """
        }
        y += """
        deepspeed: ds_z2_config.json

        ### dataset
        dataset: \(datasets.map(\.name).joined(separator: ","))
        dataset_dir: data
        template: \(template.llamaFactoryName)
        cutoff_len: \(h.maxSeqLen)
        overwrite_cache: true
        preprocessing_num_workers: 16
        dataloader_num_workers: 4

        ### output
        output_dir: output
        logging_steps: 1
        \(h.saveSteps > 0 ? "save_strategy: steps\nsave_steps: \(h.saveSteps)" : "save_strategy: \"no\"")
        plot_loss: true
        overwrite_output_dir: true
        report_to: none

        ### train
        per_device_train_batch_size: \(split.perDevice)
        gradient_accumulation_steps: \(split.accum)
        learning_rate: \(float(h.learningRate))
        num_train_epochs: \(float(Double(h.epochs)))
        lr_scheduler_type: cosine_with_min_lr
        lr_scheduler_kwargs: {min_lr_rate: \(float(h.minLRRatio))}
        warmup_steps: \(warm.steps)  # ceil(warmup-ratio \(h.warmupRatio) x \(warm.total) optimizer steps)
        weight_decay: \(float(h.weightDecay))
        max_grad_norm: \(float(h.clipNorm))
        bf16: true
        ddp_timeout: 180000000
        seed: \(h.seed)

        """
        if !valid.isEmpty {
            y += """

            ### eval
            eval_dataset: \(valid.joined(separator: ","))
            per_device_eval_batch_size: \(split.perDevice)
            \(h.evalSteps > 0 ? "eval_strategy: steps\neval_steps: \(h.evalSteps)" : "eval_strategy: epoch")

            """
        }
        return y
    }

    /// Warmup as a whole number of optimizer steps, which every transformers version reads the same way
    /// (`warmup_ratio` is gone from transformers 5.2; a fractional `warmup_steps` means a ratio only from
    /// 5.0). Steps as the HF Trainer counts them: each of W ranks gets ceil(n / W) samples, in
    /// ceil(that / per_device) micro-batches, ceil(that / accum) optimizer steps per epoch.
    public static func warmupSteps(samples: Int, hyper h: Hyperparameters, worldSize: Int) -> (steps: Int, total: Int) {
        let split = batchSplit(batchSize: h.batchSize, gradAccum: h.gradAccum, worldSize: worldSize)
        func up(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        let perEpoch = max(1, up(up(up(max(1, samples), max(1, worldSize)), split.perDevice), split.accum))
        let total = perEpoch * h.epochs
        return (Int((h.warmupRatio * Double(total)).rounded(.up)), total)
    }

    /// A YAML float that PyYAML reads as a float: "0.0", "0.03", "1.0e-05".
    static func float(_ v: Double) -> String {
        var s = "\(v)"                       // Swift's shortest round-trip form: "0.0001", "1e-05", "3.0"
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            if !s[..<e].contains(".") { s.insert(contentsOf: ".0", at: e) }
            let after = s.index(after: s.firstIndex(where: { $0 == "e" || $0 == "E" })!)
            if s[after] != "-" && s[after] != "+" { s.insert("+", at: after) }
        } else if !s.contains(".") {
            s += ".0"
        }
        return s
    }

    /// A plain YAML scalar when it is safe bare (paths, hub ids), else a double-quoted JSON string.
    static func scalar(_ s: String) -> String {
        let bare = !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-./".contains($0)) }
            && s.first!.isLetter && !["yes", "no", "on", "off", "true", "false", "null", "y", "n"].contains(s.lowercased())
        if bare { return s }
        let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
