// The training loop through the real binary on the default model: `undo` then the same burst prints the same
// step lines, also after `session save` and `session load` in a new process; and the newcomer bugs of the run
// lifecycle: `train --for` alone trains until the time is up (bug 1), `train --restart` checks before it
// discards (bug 3), a checkpoint after `checkpoint use` has a train loss (bug 16), early stopping without a
// validation set is refused before any step.
import Foundation
import XCTest

final class TrainLoopShellTests: XCTestCase {
    let settings = ["set batch-size 4", "set max-seq-len 48", "set lora-rank 4", "set lora-dropout 0.1", "set learning-rate 1e-3",
                    "data load sessions/data/identity.jsonl"]

    func script(_ lines: [String], home: URL, expect code: Int32 = 0) throws -> SFTBinary.Result {
        let file = home.appendingPathComponent("t-\(UUID().uuidString).sft")
        try (["model load \(ResumeShellTests.modelPath)"] + lines).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let r = try SFTBinary.run(["--no-model", file.path], home: home, timeout: 180, cwd: SFTBinary.packageRoot)
        XCTAssertEqual(r.code, code, r.stdout + r.stderr)
        return r
    }

    func steps(_ s: String) -> [String] { s.split(separator: "\n").filter { $0.hasPrefix("step ") }.map(String.init) }

    /// Lines of `text` after the first line containing `marker`.
    func after(_ marker: String, _ text: String) -> String {
        guard let r = text.range(of: marker) else { return "" }
        return String(text[r.upperBound...])
    }

    func testUndoThenTheSameBurstPrintsTheSameStepsAlsoAfterSessionLoad() throws {
        guard FileManager.default.fileExists(atPath: ResumeShellTests.modelPath) else { return XCTFail("default model missing") }
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let a = try script(settings + ["train 2", "train 2", "history", "undo", "train 2", "session save s"], home: home)
        let lines = steps(a.stdout)
        XCTAssertEqual(lines.count, 6, a.stdout)
        XCTAssertEqual(Array(lines[2..<4]), Array(lines[4..<6]), "the burst after undo repeats the undone one")
        XCTAssertTrue(a.stdout.contains("undone: `train 2`; the run is back at step 2 (was 4)"), a.stdout)
        XCTAssertTrue(a.stdout.contains("train 2                 (undo)") || a.stdout.range(of: #"train 2\s+\(undo\)"#, options: .regularExpression) != nil, a.stdout)

        // a new process: load the session, undo the last burst, run it again
        let b = try script(["session load s", "undo", "train 2"], home: home)
        XCTAssertTrue(b.stdout.contains("undo point"), b.stdout)
        XCTAssertEqual(steps(b.stdout), Array(lines[4..<6]), "undo across session save/load is exact")
    }

    func testTrainForATimeWithoutStepsRunsUntilTheTimeIsUp() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script(settings + ["train --for 3s", "status"], home: home)
        XCTAssertTrue(r.stdout.contains("time is up after step"), r.stdout)
        XCTAssertFalse(steps(r.stdout).isEmpty, "the last step's line is always printed: \(r.stdout)")
    }

    func testRestartChecksBeforeItDiscardsTheRun() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script(settings + ["#!keep-going", "train 1", "train --restart --data nosuch", "train --restart --full", "train 1"],
                           home: home, expect: 1)
        XCTAssertFalse(r.stdout.contains("is gone"), "nothing was discarded: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("continuing on 'identity' at step 2"), r.stdout)
        XCTAssertEqual(steps(r.stdout).count, 2)
    }

    func testCheckpointAfterCheckpointUseHasATrainLoss() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script(settings + ["set save-steps 1", "train 2", "checkpoint use 1", "train 1", "checkpoints"], home: home)
        let table = after("sft> checkpoints", r.stdout).split(separator: "\n").filter { $0.range(of: #"^\s*3\s"#, options: .regularExpression) != nil }
        XCTAssertEqual(table.count, 1, r.stdout)
        XCTAssertNotNil(table.first?.range(of: #"^\s*3\s+2\s+\d+\.\d+"#, options: .regularExpression), "row 3: step 2 with a train loss: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("live"), r.stdout)
    }

    func testEarlyStoppingNeedsAValidationSet() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try script(settings + ["set eval-steps 1", "set early-stop 2", "train 1"], home: home, expect: 1)
        XCTAssertTrue(r.stdout.contains("error: early stopping (early-stop 2) needs a validation set"), r.stdout)
        XCTAssertTrue(steps(r.stdout).isEmpty)
    }
}
