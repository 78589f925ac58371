// The training commands through the real binary on the default model: `lora add`, `train 3` on the shipped
// identity data (batch 2, max-seq-len 128, so it stays quick) prints three step lines with finite losses, and
// `lora info`, `checkpoints`, `metrics` report on the run.
import Foundation
import XCTest

final class TrainShellTests: XCTestCase {
    static var modelPath: String {
        if let p = ProcessInfo.processInfo.environment["SFT_MODEL"], !p.isEmpty { return p }
        return SFTBinary.packageRoot.appendingPathComponent("cache/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func testLoRATrainThreeStepsOnIdentity() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            return XCTFail("default model missing at \(Self.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
        }
        setenv("SFT_MODEL", Self.modelPath, 1)
        let data = SFTBinary.packageRoot.appendingPathComponent("sessions/data/identity.jsonl").path
        let script = """
            set batch-size 2
            set max-seq-len 128
            set save-steps 3
            lora add --rank 8
            lora info
            train 3 --data \(data)
            checkpoints
            metrics

            """
        let r = try SFTBinary.run([], stdin: script, timeout: 300)
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        let steps = r.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }
        XCTAssertEqual(steps.count, 3, r.stdout)
        for (i, s) in steps.enumerated() {
            XCTAssertTrue(s.hasPrefix("step \(i + 1)/12  loss "), String(s))
            let loss = Double(s.split(separator: " ").drop { $0 != "loss" }.dropFirst().first ?? "") ?? .nan
            XCTAssertTrue(loss.isFinite && loss > 0, String(s))
        }
        XCTAssertTrue(r.stdout.contains("LoRA r=8 alpha=16.0 on q,k,v,o"), r.stdout)
        XCTAssertTrue(r.stdout.contains("checkpoint 1 at step 3"), r.stdout)
        XCTAssertTrue(r.stdout.contains("train loss, steps 1-3"), r.stdout)
    }
}
