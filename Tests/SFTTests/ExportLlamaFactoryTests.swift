// LlamaFactoryJob: train.yaml against the committed golden Tests/Fixtures/export/train.yaml and, key by key,
// through a small YAML reader, against the settings it came from; the dataset files' content and
// dataset_info.json's structure; the batch-size arithmetic; atomic writing into a directory; the errors.
// SFT_UPDATE_GOLDEN=1 rewrites the golden files (read the diff before committing).
import Foundation
import SFT
import XCTest

final class ExportLlamaFactoryTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/export").path

    static var hyper: Hyperparameters {
        var h = Hyperparameters()
        h.batchSize = 16
        h.gradAccum = 2
        h.epochs = 3
        h.learningRate = 2e-4
        h.minLRRatio = 0.1
        h.warmupRatio = 0.05
        h.weightDecay = 0.01
        h.clipNorm = 1.0
        h.maxSeqLen = 2048
        h.saveSteps = 100
        h.evalSteps = 50
        h.seed = 7
        h.loraRank = 16
        h.loraAlpha = 32
        h.loraDropout = 0.05
        return h
    }

    static let chat = [
        Conversation([Message(.user, "What is 2+2?"), Message(.assistant, "4")]),
        Conversation([Message(.system, "Answer in SQL."), Message(.user, "All users"), Message(.assistant, "SELECT * FROM users;"),
                      Message(.user, "Only \"admins\"\n/please/"), Message(.assistant, "SELECT * FROM users WHERE admin;")]),
    ]
    static let valid = [Conversation([Message(.user, "Hi"), Message(.assistant, "Hello!")])]

    static func job(template: String = "smollm2", mode: TrainingMode = .lora, hyper: Hyperparameters = hyper,
                    cluster: LlamaFactoryJob.Cluster = .init()) throws -> [String: Data] {
        let files = try LlamaFactoryJob.files(
            datasets: [(name: "chat", train: chat, valid: valid), (name: "extra", train: [chat[0]], valid: nil)],
            model: (name: "SmolLM2-135M-Instruct", hfPath: "HuggingFaceTB/SmolLM2-135M-Instruct"),
            template: template, mode: mode, hyper: hyper, loraTargets: ["q", "v", "down", "gate"], cluster: cluster)
        return Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.data) })
    }

    /// The YAML subset train.yaml uses: `key: value` lines, `#` comments, blank lines, one flow mapping.
    static func readYAML(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"), raw.first != " " else {
                throw SFTError("not a top-level key: value line", file: "train.yaml", line: i + 1)
            }
            let key = String(line[..<colon])
            XCTAssertNil(out[key], "duplicate key \(key)")
            out[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    func testTrainYAMLMatchesGolden() throws {
        let yaml = try XCTUnwrap(Self.job()["train.yaml"])
        let golden = Self.fixtures + "/train.yaml"
        if ProcessInfo.processInfo.environment["SFT_UPDATE_GOLDEN"] == "1" { try yaml.write(to: URL(fileURLWithPath: golden)) }
        let want = try String(contentsOfFile: golden, encoding: .utf8)
        XCTAssertEqual(String(decoding: yaml, as: UTF8.self), want)
    }

    func testEverySettingMaps() throws {
        let y = try Self.readYAML(String(decoding: try XCTUnwrap(Self.job()["train.yaml"]), as: UTF8.self))
        let want: [String: String] = [
            "model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct", "stage": "sft", "do_train": "true",
            "finetuning_type": "lora", "lora_rank": "16", "lora_alpha": "32", "lora_dropout": "0.05",
            "lora_target": "q_proj,v_proj,gate_proj,down_proj", "deepspeed": "ds_z2_config.json",
            "dataset": "chat,extra", "dataset_dir": "data", "template": "smollm2", "cutoff_len": "2048",
            "output_dir": "output", "save_strategy": "steps", "save_steps": "100", "bf16": "true",
            // 16 samples over 8 GPUs: 2 per GPU; grad-accum 2 divides it: 1 x 2 x 8 = 16.
            "per_device_train_batch_size": "1", "gradient_accumulation_steps": "2",
            "learning_rate": "0.0002", "num_train_epochs": "3.0", "lr_scheduler_type": "cosine_with_min_lr",
            "lr_scheduler_kwargs": "{min_lr_rate: 0.1}", "warmup_steps": "1  # ceil(warmup-ratio 0.05 x 3 optimizer steps)", "weight_decay": "0.01",
            "max_grad_norm": "1.0", "seed": "7", "eval_dataset": "chat_valid", "eval_strategy": "steps", "eval_steps": "50",
        ]
        for (k, v) in want { XCTAssertEqual(y[k], v, k) }

        var h = Self.hyper
        h.saveSteps = 0
        h.evalSteps = 0
        h.learningRate = 1e-5
        h.clipNorm = 0
        let full = try Self.readYAML(String(decoding: try XCTUnwrap(Self.job(template: "qwen2.5", mode: .full, hyper: h)["train.yaml"]), as: UTF8.self))
        XCTAssertEqual(full["finetuning_type"], "full")
        XCTAssertNoThrow(try LlamaFactoryJob.files(datasets: [(name: "a", train: Self.chat, valid: nil)], model: (name: "m", hfPath: nil),
                                                   template: "chatml", mode: .full, hyper: h, loraTargets: []))
        XCTAssertNil(full["lora_rank"])
        XCTAssertNil(full["lora_target"])
        XCTAssertEqual(full["template"], "qwen")
        XCTAssertEqual(full["save_strategy"], "\"no\"")   // bare `no` is YAML 1.1 false
        XCTAssertNil(full["save_steps"])
        XCTAssertEqual(full["eval_strategy"], "epoch")
        XCTAssertEqual(full["learning_rate"], "1.0e-05")
        XCTAssertEqual(full["max_grad_norm"], "0.0")
        for (t, name) in [("llama3", "llama3"), ("chatml", "chatml"), ("qwen2", "qwen"), ("smollm2", "smollm2"),
                          ("qwen3", "qwen3"), ("gemma3", "gemma3"), ("llama2", "llama2"), ("mistral", "mistral")] {
            let files = try Self.job(template: t)
            XCTAssertEqual(try Self.readYAML(String(decoding: try XCTUnwrap(files["train.yaml"]), as: UTF8.self))["template"], name)
            XCTAssertTrue(String(decoding: try XCTUnwrap(files["README.md"]), as: UTF8.self).contains("`\(name)` chat template"), t)
        }
    }

    func testWarmupSteps() {
        var h = Self.hyper   // batch 16, accum 2, 3 epochs, warmup 0.05
        // 1000 samples on 8 GPUs: 125 each, 125 micro-batches of 1, 63 steps of 2 per epoch, 189 in all.
        XCTAssertTrue(LlamaFactoryJob.warmupSteps(samples: 1000, hyper: h, worldSize: 8) == (10, 189))
        h.warmupRatio = 0
        XCTAssertTrue(LlamaFactoryJob.warmupSteps(samples: 1000, hyper: h, worldSize: 8) == (0, 189))
        h.warmupRatio = 0.1
        h.batchSize = 8
        h.gradAccum = 1
        h.epochs = 1
        XCTAssertTrue(LlamaFactoryJob.warmupSteps(samples: 80, hyper: h, worldSize: 1) == (1, 10))
    }

    func testBatchArithmetic() {
        // (batch, accum, world) -> (per device, accum, effective)
        let cases: [((Int, Int, Int), (Int, Int, Int))] = [
            ((8, 1, 8), (1, 1, 8)), ((64, 1, 8), (8, 1, 64)), ((64, 4, 8), (2, 4, 64)), ((64, 3, 8), (8, 1, 64)),
            ((8, 1, 16), (1, 1, 16)), ((12, 1, 8), (2, 1, 16)), ((1, 1, 1), (1, 1, 1)), ((32, 2, 4), (4, 2, 32)),
        ]
        for ((b, a, w), (p, acc, e)) in cases {
            let s = LlamaFactoryJob.batchSplit(batchSize: b, gradAccum: a, worldSize: w)
            XCTAssertEqual([s.perDevice, s.accum, s.effective], [p, acc, e], "batch \(b) accum \(a) world \(w)")
            XCTAssertEqual(s.perDevice * s.accum * w, s.effective)
            XCTAssertGreaterThanOrEqual(s.effective, b)
        }
        var h = Self.hyper
        h.batchSize = 8
        h.gradAccum = 1
        let readme = String(decoding: (try? Self.job(hyper: h, cluster: .init(nodes: 2, gpusPerNode: 8)))?["README.md"] ?? Data(), as: UTF8.self)
        XCTAssertTrue(readme.contains("trains with\n16 samples per step"), readme)
    }

    func testDatasetFiles() throws {
        let files = try Self.job()
        func rows(_ path: String) throws -> [[[String: String]]] {
            let obj = try JSONSerialization.jsonObject(with: try XCTUnwrap(files[path], path))
            let list = try XCTUnwrap(obj as? [[String: Any]])
            return try list.map { try XCTUnwrap($0["messages"] as? [[String: String]]) }
        }
        let chat = try rows("data/chat.json")
        XCTAssertEqual(chat.count, 2)
        // No system message: SmolLM2's default is written out, exactly as its HF template inserts it.
        XCTAssertEqual(chat[0], [["role": "system", "content": "You are a helpful AI assistant named SmolLM, trained by Hugging Face"],
                                 ["role": "user", "content": "What is 2+2?"], ["role": "assistant", "content": "4"]])
        XCTAssertEqual(chat[1].map { $0["role"]! }, ["system", "user", "assistant", "user", "assistant"])
        XCTAssertEqual(chat[1][0]["content"], "Answer in SQL.")
        XCTAssertEqual(chat[1][3]["content"], "Only \"admins\"\n/please/")
        let text = String(decoding: try XCTUnwrap(files["data/chat.json"]), as: UTF8.self)
        XCTAssertEqual(text.split(separator: "\n").first, "[")
        XCTAssertEqual(text.split(separator: "\n")[1], #"{"messages":[{"role":"system","content":"You are a helpful AI assistant named SmolLM, trained by Hugging Face"},{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":"4"}]},"#)
        XCTAssertEqual(try rows("data/chat_valid.json").count, 1)
        XCTAssertEqual(try rows("data/extra.json").count, 1)
        XCTAssertNil(files["data/extra_valid.json"])
        // Llama-3 has no default system message: nothing is added.
        // Neither have Qwen3, Gemma 3, Llama-2 and Mistral.
        for t in ["llama3", "qwen3", "gemma3", "llama2", "mistral"] {
            let rows = try JSONSerialization.jsonObject(with: try XCTUnwrap(Self.job(template: t)["data/chat.json"])) as? [[String: Any]]
            XCTAssertEqual((rows?[0]["messages"] as? [[String: String]])?.first?["role"], "user", t)
        }
        // Qwen3 reasoning travels in the content as the think block Qwen3 renders; other templates keep the content.
        var reply = Message(.assistant, "4")
        reply.reasoning = "2 and 2 make 4."
        let reasoned = [Conversation([Message(.user, "What is 2+2?"), reply])]
        func content(_ t: String) throws -> String? {
            let data = try LlamaFactoryJob.datasetJSON(reasoned, template: ExportChatTemplate(named: t))
            let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
            return (rows?[0]["messages"] as? [[String: String]])?.last?["content"]
        }
        XCTAssertEqual(try content("qwen3"), "<think>\n2 and 2 make 4.\n</think>\n\n4")
        XCTAssertEqual(try content("gemma3"), "4")
        // Qwen3's template reads that block back out of the content: the same text as sft's rendering.
        let fromContent = [Message(.user, "What is 2+2?"), Message(.assistant, try XCTUnwrap(try content("qwen3")))]
        XCTAssertEqual(try ChatTemplateKind.qwen3.renderText(fromContent, addGenerationPrompt: false),
                       try ChatTemplateKind.qwen3.renderText(reasoned[0].messages, addGenerationPrompt: false))

        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: try XCTUnwrap(files["data/dataset_info.json"])) as? [String: [String: Any]])
        XCTAssertEqual(Set(info.keys), ["chat", "chat_valid", "extra"])
        for (name, entry) in info {
            XCTAssertEqual(entry["file_name"] as? String, name + ".json")
            XCTAssertEqual(entry["formatting"] as? String, "sharegpt")
            XCTAssertEqual(entry["columns"] as? [String: String], ["messages": "messages"])
            XCTAssertEqual(entry["tags"] as? [String: String], ["role_tag": "role", "content_tag": "content", "user_tag": "user",
                                                                 "assistant_tag": "assistant", "system_tag": "system"])
        }
        let ds = try XCTUnwrap(JSONSerialization.jsonObject(with: try XCTUnwrap(files["ds_z2_config.json"])) as? [String: Any])
        XCTAssertEqual((ds["zero_optimization"] as? [String: Any])?["stage"] as? Int, 2)
        XCTAssertEqual(ds["train_micro_batch_size_per_gpu"] as? String, "auto")
        XCTAssertEqual(ds["gradient_accumulation_steps"] as? String, "auto")
        let run = String(decoding: try XCTUnwrap(files["run.sh"]), as: UTF8.self)
        XCTAssertTrue(run.contains("FORCE_TORCHRUN=1"))
        XCTAssertTrue(run.contains("NNODES=\"${NNODES:-1}\""))
        XCTAssertTrue(run.contains("NPROC_PER_NODE=\"${NPROC_PER_NODE:-8}\""))
        XCTAssertTrue(run.contains("llamafactory-cli train train.yaml"))
        XCTAssertTrue(String(decoding: try XCTUnwrap(files["README.md"]), as: UTF8.self).contains("lora load DIR/output"))
    }

    /// With SFT_EXPORT_JOB_DIR set, also writes the golden job there for scripts/check-llamafactory-job.py.
    func testWritesDirectoryAtomically() throws {
        if let out = ProcessInfo.processInfo.environment["SFT_EXPORT_JOB_DIR"] {
            try LlamaFactoryJob.write(to: out, datasets: [(name: "chat", train: Self.chat, valid: Self.valid), (name: "extra", train: [Self.chat[0]], valid: nil)],
                                      model: (name: "SmolLM2-135M-Instruct", hfPath: "HuggingFaceTB/SmolLM2-135M-Instruct"),
                                      template: "smollm2", mode: .lora, hyper: Self.hyper, loraTargets: ["q", "v", "down", "gate"])
        }
        let dir = NSTemporaryDirectory() + "sft-export-job-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LlamaFactoryJob.write(to: dir, datasets: [(name: "chat", train: Self.chat, valid: nil)],
                                  model: (name: "HuggingFaceTB/SmolLM2-135M-Instruct", hfPath: nil), template: "smollm2",
                                  mode: .lora, hyper: Self.hyper, loraTargets: ["q", "k", "v", "o"])
        let all = try FileManager.default.subpathsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(all, ["README.md", "data", "data/chat.json", "data/dataset_info.json", "ds_z2_config.json", "run.sh", "train.yaml"])
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: dir + "/run.sh"))
        let y = try Self.readYAML(try String(contentsOfFile: dir + "/train.yaml", encoding: .utf8))
        XCTAssertEqual(y["model_name_or_path"], "HuggingFaceTB/SmolLM2-135M-Instruct")
        XCTAssertNil(y["eval_dataset"])
        XCTAssertEqual(y["lora_target"], "q_proj,k_proj,v_proj,o_proj")
    }

    func testErrors() {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        var h = Self.hyper
        h.loraAlpha = 12.5
        XCTAssertTrue(message { try Self.job(hyper: h) }.contains("lora_alpha is an integer"))
        XCTAssertTrue(message { try Self.job(template: "vicuna") }.contains("no export for chat template 'vicuna'"))
        XCTAssertTrue(message { try LlamaFactoryJob.files(datasets: [(name: "../x", train: Self.chat, valid: nil)], model: (name: "m", hfPath: nil),
                                                         template: "chatml", mode: .lora, hyper: Self.hyper, loraTargets: ["q"]) }
            .contains("cannot be a file name"))
        XCTAssertTrue(message { try LlamaFactoryJob.files(datasets: [], model: (name: "m", hfPath: nil),
                                                         template: "chatml", mode: .lora, hyper: Self.hyper, loraTargets: ["q"]) }
            .contains("no dataset"))
        XCTAssertTrue(message { try LlamaFactoryJob.files(datasets: [(name: "a", train: Self.chat, valid: nil)], model: (name: "m", hfPath: nil),
                                                         template: "chatml", mode: .lora, hyper: Self.hyper, loraTargets: ["qkv"]) }
            .contains("lora-targets"))
    }
}
