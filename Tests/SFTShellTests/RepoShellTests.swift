// save / repo / lora load / export through the real binary on the default model (SFT_MODEL, else
// cache/models/SmolLM2-135M-Instruct.Q4_1.gguf), with a throwaway SFT_HOME: an adapter saved, listed, loaded back
// from the repository and exported gives byte-identical PEFT files; a damaged blob is named on load and the
// adapter already attached survives; bad names are shell errors with a hint.
import Foundation
import XCTest

final class RepoShellTests: XCTestCase {
    static var modelPath: String {
        ProcessInfo.processInfo.environment["SFT_MODEL"]
            ?? SFTBinary.packageRoot.appendingPathComponent("cache/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func script(_ lines: [String], home: URL) throws -> SFTBinary.Result {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            XCTFail("no model at \(Self.modelPath): set SFT_MODEL or run `make model`")
            throw XCTSkip("model missing")
        }
        let file = home.appendingPathComponent("t.sft")
        try (["#!keep-going", "model load \(Self.modelPath)"] + lines).joined(separator: "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        return try SFTBinary.run(["--no-model", file.path], home: home, timeout: 120, cwd: SFTBinary.packageRoot)
    }

    func testSaveListLoadExportAndDamage() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let p1 = home.appendingPathComponent("p1").path, p2 = home.appendingPathComponent("p2").path
        let r = try script([
            "data load sessions/data/general.jsonl",
            "save nothing-yet",
            "lora add",
            "save s1 --description \"first adapter\"",
            "repo list",
            "repo show s1 --all",
            "export peft \(p1)",
            "lora load repo:s1",
            "export peft \(p2)",
            "save bad/name",
            "repo verify s1",
        ], home: home)
        let out = r.stdout
        XCTAssertTrue(out.contains("error: no adapter on the active model"), out)
        XCTAssertTrue(out.contains("saved adapter 's1'"), out)
        XCTAssertTrue(out.contains("first adapter"), out)
        XCTAssertTrue(out.contains("general: 20 samples sha256:9610f1e66d9e"), out)
        XCTAssertTrue(out.contains("loaded adapter 's1': rank 8"), out)
        XCTAssertTrue(out.contains("error: invalid entry name 'bad/name'"), out)
        XCTAssertTrue(out.contains("'s1' is intact"), out)
        for f in ["adapter_config.json", "adapter_model.safetensors"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: p1 + "/" + f)), b = try Data(contentsOf: URL(fileURLWithPath: p2 + "/" + f))
            XCTAssertEqual(a, b, "\(f) after save + load from the repository")
        }

        // damage the adapter blob: loading names it, and the attached adapter is kept
        let blobs = home.appendingPathComponent("repo/blobs/sha256")
        let big = try FileManager.default.contentsOfDirectory(atPath: blobs.path).max {
            (try? FileManager.default.attributesOfItem(atPath: blobs.path + "/" + $0)[.size] as? Int ?? 0) ?? 0
                < (try? FileManager.default.attributesOfItem(atPath: blobs.path + "/" + $1)[.size] as? Int ?? 0) ?? 0
        }!
        let path = blobs.path + "/" + big
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[100] ^= 0x55
        try bytes.write(to: URL(fileURLWithPath: path))
        let r2 = try script(["lora load \(p1)", "lora load repo:s1", "export peft \(home.path)/p3", "repo verify s1"], home: home)
        XCTAssertTrue(r2.stdout.contains("file 'adapter'"), r2.stdout)
        XCTAssertTrue(r2.stdout.contains(big), r2.stdout)
        XCTAssertTrue(r2.stdout.contains("wrote \(home.path)/p3/"), "adapter kept after a failed load\n" + r2.stdout)
        XCTAssertNotEqual(r2.code, 0)
    }

    /// `save --full` then `model load repo:NAME`: the merged weights come back on the base model's tokenizer and
    /// template and answer exactly as the live model with its adapter did; an adapter entry is refused with a hint.
    func testFullWeightsSaveAndModelLoad() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script([
            "lora add",
            "ask --temperature 0 --max-tokens 8 \"Name a color.\"",
            "save merged1 --full",
            "save adapter1",
            "model load repo:adapter1",
            "model load repo:merged1",
            "ask --temperature 0 --max-tokens 8 \"Name a color.\"",
        ], home: home)
        let out = r.stdout
        XCTAssertTrue(out.contains("saved full 'merged1': 2 files"), out)
        XCTAssertTrue(out.contains("error: entry 'adapter1' is an adapter entry, not full weights"), out)
        XCTAssertTrue(out.contains("loaded repo:merged1 on SmolLM2"), out)
        let answers = out.components(separatedBy: "\n").enumerated().filter { $0.element.hasPrefix("sft> ask") }
            .map { out.components(separatedBy: "\n")[$0.offset + 1] }
        XCTAssertEqual(answers.count, 2)
        XCTAssertEqual(answers.first, answers.last, out)
    }
}
