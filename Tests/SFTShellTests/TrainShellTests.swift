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
        XCTAssertTrue(r.stdout.contains("train loss, steps 1 to 3"), r.stdout)
    }

    /// The run continues across `train` calls, says which changed settings apply, restores a checkpoint,
    /// evaluates a named dataset, applies a preset and writes the SVG plot.
    func testContinueCheckpointEvalPresetAndPlot() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            return XCTFail("default model missing at \(Self.modelPath): run scripts/fetch-model (or set SFT_MODEL)")
        }
        setenv("SFT_MODEL", Self.modelPath, 1)
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let svg = home.appendingPathComponent("loss.svg").path
        let script = """
            data load sessions/data/identity.jsonl
            preset basic
            set batch-size 4
            set max-seq-len 96
            set save-steps 1
            train 1
            set learning-rate 1e-4
            set batch-size 2
            train 1
            checkpoint use 1
            eval identity
            metrics --svg \(svg)

            """
        let r = try SFTBinary.run([], stdin: script, home: home, timeout: 300, cwd: SFTBinary.packageRoot)
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
        for want in ["learning-rate 0.0001 -> 0.0003", "preset basic for LoRA:", "added LoRA r=8",
                     "learning-rate 0.0003 -> 0.0001: applies from step 2",
                     "batch-size 4 -> 2: needs `train --restart`", "continuing on 'identity' at step 2 of 18",
                     "step 2/18  loss ", "checkpoint 2 at step 2",
                     "checkpoint 1 (step 1) is live: ask and chat use it; `train` continues from step 2",
                     "eval 'identity' at step 1: loss ", "wrote \(svg)"] {
            XCTAssertTrue(r.stdout.contains(want), "missing '\(want)' in:\n" + r.stdout)
        }
        let plot = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(plot.hasPrefix("<svg") && plot.contains("train loss"), plot)
    }
}
