// Issue 16 through the real binary on the default model (SFT_MODEL, else the cache's SmolLM2), with a throwaway
// SFT_HOME: after `quantize int8` the answers follow the live model (an adapter trained, turned off and on),
// each rebuild says why in one line and `status` shows int8 is on; `repo rename` keeps an entry's history and
// refuses a name that exists; `export peft --base-model` and `export merged --dtype` write what they say.
import Foundation
import XCTest

final class NewcomerModelShellTests: XCTestCase {
    func script(_ lines: [String], home: URL) throws -> SFTBinary.Result {
        let model = RepoShellTests.modelPath
        guard FileManager.default.fileExists(atPath: model) else {
            XCTFail("no model at \(model): set SFT_MODEL or run `make model`")
            throw XCTSkip("model missing")
        }
        let file = home.appendingPathComponent("t.sft")
        try (["#!keep-going", "model load \(model)"] + lines).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return try SFTBinary.run(["--no-model", file.path], home: home, timeout: 600, cwd: SFTBinary.packageRoot)
    }

    /// What each run of `command` printed (the lines after its echo, up to the next command).
    func outputs(of command: String, in out: String) -> [String] {
        let lines = out.components(separatedBy: "\n")
        var result: [String] = []
        for (i, l) in lines.enumerated() where l == "sft> " + command {
            result.append(lines[(i + 1)...].prefix { !$0.hasPrefix("sft> ") }.joined(separator: "\n"))
        }
        return result
    }

    func testInt8AnswersFollowTrainingLoraOffAndOn() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let ask = "ask who are you?"
        let r = try script([
            "set precision fp32", "set temperature 0", "set max-tokens 16",
            "data load sessions/data/identity.jsonl",
            "quantize int8",
            ask,                                   // the base model's int8 answer
            "lora add --rank 16 --alpha 32",
            "set batch-size 4", "set max-seq-len 128", "set learning-rate 1e-2", "set warmup-ratio 0",
            "train 6",
            ask,                                   // the trained adapter's int8 answer
            "lora off",
            ask,                                   // the base again, from a rebuilt copy
            "lora on",
            ask,
            "status",
            "quantize off",
            "status",
        ], home: home)
        let out = r.stdout
        XCTAssertTrue(out.contains("int8 copy: "), out)
        XCTAssertTrue(out.contains("sft> train 6\n") && out.contains("int8 copy rebuilt: the adapter's weights changed"), out)
        XCTAssertTrue(out.contains("int8 copy rebuilt: the adapter was turned off"), out)
        XCTAssertTrue(out.contains("int8 copy rebuilt: the adapter was turned on"), out)
        let answers = outputs(of: ask, in: out)
        XCTAssertEqual(answers.count, 4, out)
        guard answers.count == 4 else { return }
        XCTAssertNotEqual(answers[1], answers[0], "training changed the int8 answer")
        XCTAssertEqual(answers[2], answers[0], "after lora off the int8 answer is the base's int8 answer")
        XCTAssertEqual(answers[3], answers[1], "after lora on the trained answer is back")
        let status = outputs(of: "status", in: out)
        XCTAssertEqual(status.count, 2)
        XCTAssertTrue(status.first?.contains("int8") == true && status.first?.contains("adapter merged") == true, status.first ?? "")
        XCTAssertFalse(status.last?.contains("int8") ?? true, status.last ?? "")
        XCTAssertTrue(out.contains("int8 copy dropped: ask, chat and serve answer with the fp32 model"), out)
        XCTAssertFalse(out.contains("error:"), out)
    }

    func testRepoRenameKeepsHistoryAndRefusesAnExistingName() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script([
            "lora add",
            "save r1 --description \"first adapter\"",
            "lora load repo:r1",
            "save r2",
            "repo rename r1 r3",
            "repo rename r2 r3",
            "repo rename nothing x",
            "repo list",
        ], home: home)
        let out = r.stdout
        XCTAssertTrue(out.contains("renamed 'r1' to 'r3'; 1 entry trained from it now names 'r3' as parent (r2)"), out)
        XCTAssertTrue(out.contains("error: an entry named 'r3' already exists"), out)
        XCTAssertTrue(out.contains("error: no entry named 'nothing'"), out)
        let list = outputs(of: "repo list", in: out).first ?? ""
        XCTAssertTrue(list.contains("r3") && list.contains("first adapter") && list.contains("r2"), list)
        XCTAssertFalse(list.contains("r1 "), list)
        let manifests = home.appendingPathComponent("repo/manifests")
        XCTAssertFalse(FileManager.default.fileExists(atPath: manifests.appendingPathComponent("r1.json").path))
        let r2 = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifests.appendingPathComponent("r2.json"))) as? [String: Any])
        XCTAssertEqual(r2["parent"] as? String, "r3")
        let r3 = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: manifests.appendingPathComponent("r3.json"))) as? [String: Any])
        XCTAssertEqual(r3["name"] as? String, "r3")
        XCTAssertEqual(r3["description"] as? String, "first adapter")
    }

    func testExportPeftBaseModelAndMergedDtype() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let peft = home.appendingPathComponent("peft").path, peft2 = home.appendingPathComponent("peft2").path
        let merged = home.appendingPathComponent("merged").path
        let r = try script([
            "lora add",
            "export peft \(peft)",
            "export peft \(peft2) --base-model HuggingFaceTB/SmolLM2-135M-Instruct",
            "export merged \(merged) --dtype bf16",
            "export merged \(merged) --dtype f64",
        ], home: home)
        let out = r.stdout
        XCTAssertTrue(out.contains("is the GGUF's general.name, not a hub id"), out)
        XCTAssertTrue(out.contains("--base-model ID"), out)
        func baseName(_ dir: String) throws -> String? {
            let j = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/adapter_config.json"))) as? [String: Any]
            return j?["base_model_name_or_path"] as? String
        }
        XCTAssertEqual(try baseName(peft2), "HuggingFaceTB/SmolLM2-135M-Instruct")
        XCTAssertNotNil(try baseName(peft))
        XCTAssertFalse(try baseName(peft)?.hasSuffix(".gguf") ?? true)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged + "/config.json"))) as? [String: Any])
        XCTAssertEqual(config["torch_dtype"] as? String, "bfloat16")
        XCTAssertEqual(config["rms_norm_eps"] as? Double, 1e-05)
        XCTAssertTrue(out.contains("(bf16, adapter merged)"), out)
        XCTAssertTrue(out.contains("error: ") && out.contains("f64"), out)
    }
}
