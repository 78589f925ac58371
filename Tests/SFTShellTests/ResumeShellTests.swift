// Exact resume through the real binary on the default model: one process trains 4 steps; another trains 2 and
// `save ck`; a third (same SFT_HOME, fresh settings) runs `train --resume repo:ck` then `train 2`. Its step lines
// (loss, lr, grad norm as printed) equal steps 3-4 of the straight run, character for character. Likewise
// `session save s1` after 2 steps and `session load s1; train 2` in a new process.
import Foundation
import XCTest

final class ResumeShellTests: XCTestCase {
    static var modelPath: String {
        if let p = ProcessInfo.processInfo.environment["SFT_MODEL"], !p.isEmpty { return p }
        return SFTBinary.packageRoot.appendingPathComponent("cache/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func script(_ lines: [String], home: URL) throws -> SFTBinary.Result {
        let file = home.appendingPathComponent("t-\(UUID().uuidString).sft")
        try (["model load \(Self.modelPath)"] + lines).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let r = try SFTBinary.run(["--no-model", file.path], home: home, timeout: 120, cwd: SFTBinary.packageRoot)
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        return r
    }

    func steps(_ r: SFTBinary.Result) -> [String] {
        r.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }.map(String.init)
    }

    func testSaveThenResumeInANewProcessContinuesExactly() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            return XCTFail("default model missing at \(Self.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
        }
        let settings = ["set batch-size 2", "set max-seq-len 64", "set lora-rank 4", "set lora-dropout 0.1",
                        "data load sessions/data/identity.jsonl"]
        let homeA = SFTBinary.tempHome(), homeB = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: homeA); try? FileManager.default.removeItem(at: homeB) }

        let straight = steps(try script(settings + ["train 4"], home: homeA))
        XCTAssertEqual(straight.count, 4, "\(straight)")

        let first = try script(settings + ["train 2", "save ck"], home: homeB)
        XCTAssertTrue(first.stdout.contains("saved adapter 'ck'"), first.stdout)
        XCTAssertEqual(steps(first), Array(straight.prefix(2)))

        let resumed = try script(["data load sessions/data/identity.jsonl", "train --resume repo:ck", "train 2"], home: homeB)
        XCTAssertTrue(resumed.stdout.contains("resumed LoRA run 'ck' on 'identity' at step 3"), resumed.stdout)
        XCTAssertEqual(steps(resumed), Array(straight.suffix(2)), resumed.stdout)

        // the same through `session save` / `session load` (model, settings, datasets and run restored)
        let saved = try script(settings + ["train 2", "session save s1"], home: homeB)
        XCTAssertTrue(saved.stdout.contains("saved the state to \(homeB.path)/sessions/s1.state"), saved.stdout)
        let loaded = try SFTBinary.run(["--no-model", "-c", "session load s1; train 2"], home: homeB, timeout: 120, cwd: SFTBinary.packageRoot)
        XCTAssertEqual(loaded.code, 0, loaded.stdout + loaded.stderr)
        XCTAssertTrue(loaded.stdout.contains("the lora run at step 2"), loaded.stdout)
        XCTAssertEqual(steps(loaded), Array(straight.suffix(2)), loaded.stdout)

        // without the dataset the resume says what to load
        let missing = try SFTBinary.run(["--no-model", try {
            let f = homeB.appendingPathComponent("m.sft")
            try ["#!keep-going", "model load \(Self.modelPath)", "train --resume repo:ck"].joined(separator: "\n")
                .write(to: f, atomically: true, encoding: .utf8)
            return f.path
        }()], home: homeB, timeout: 60, cwd: SFTBinary.packageRoot)
        XCTAssertTrue(missing.stdout.contains("the run trained on 'identity', which is not loaded"), missing.stdout + missing.stderr)
    }
}
