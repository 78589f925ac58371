// The `data` commands through the real binary (.build/release/sft, run from the package root with a temporary
// SFT_HOME and NO_COLOR), on the shipped sample files: load/replace, errors with hints, typed conversations,
// save and reload, seeded splits, and the clear "no model loaded" message for token views.
import Foundation
import XCTest

final class DataCommandTests: XCTestCase {

    /// Runs `sft` on the script lines (stdin, keep-going) from the package root; returns stdout.
    func sft(_ lines: [String], model: Bool = true) throws -> String {
        let script = (["#!keep-going"] + lines).joined(separator: "\n") + "\n"
        return try SFTBinary.run(model ? ["-"] : ["--no-model", "-"], stdin: script, cwd: SFTBinary.packageRoot).stdout
    }

    func testLoadListReplaceAndDrop() throws {
        let out = try sft(["data load sessions/data/general.jsonl", "data load sessions/data/qa.xlsx --name qa",
                           "data load sessions/data/general.jsonl", "data list", "data drop qa", "data list"])
        XCTAssertTrue(out.contains("general: 20 samples (messages) from sessions/data/general.jsonl\nloaded 20 of 20 records"), out)
        XCTAssertTrue(out.contains("qa: 20 samples (xlsx)"), out)
        XCTAssertTrue(out.contains("replaced the earlier 'general'"), out)
        XCTAssertTrue(out.contains("dropped 'qa' (20 samples)"), out)
        let lastList = out.components(separatedBy: "sft> data list").last ?? ""
        XCTAssertFalse(lastList.contains("qa "), lastList)
    }

    func testProblemsAreNeverSilent() throws {
        let out = try sft(["data load Tests/Fixtures/data/bad/bad-json.jsonl --name b"])
        XCTAssertTrue(out.contains("loaded 2 of 3 records; dropped 1 (1 bad JSON)"), out)
        XCTAssertTrue(out.contains("bad JSON"), out)
        XCTAssertTrue(out.contains("Tests/Fixtures/data/bad/bad-json.jsonl:2"), out)
    }

    func testUnknownNameAndRangeErrorsGiveHints() throws {
        let out = try sft(["data load sessions/data/general.jsonl", "data show generl 1", "data show general 21",
                           "data show 0", "data stats nothing"])
        XCTAssertTrue(out.contains("error: no dataset named 'generl'\nhint: did you mean 'general'?"), out)
        XCTAssertTrue(out.contains("error: general has samples 1 to 20, not 21"), out)
        XCTAssertTrue(out.contains("error: general has samples 1 to 20, not 0"), out)
    }

    func testTypedConversationsKeepOrderAndAreValidated() throws {
        let out = try sft([
            "data add mine --system 'Be brief.' --user 'Hi' --assistant 'Hello!' --user '你是谁？' --assistant '我是 Lumen。'",
            "data show mine 1",
            "data add mine --assistant 'a' --user 'b'",
            "data add mine --user 'only a question'",
            "data add mine --bot 'x'",
            "data list",
        ])
        XCTAssertTrue(out.contains("mine: added #1 (4 turns); new dataset"), out)
        XCTAssertTrue(out.contains("system:\n  Be brief.\nuser:\n  Hi\nassistant:\n  Hello!\nuser:\n  你是谁？\nassistant:\n  我是 Lumen。"), out)
        XCTAssertTrue(out.contains("error: message 1 is assistant, expected user"), out)
        XCTAssertTrue(out.contains("error: no assistant reply"), out)
        XCTAssertTrue(out.contains("error: expected --system, --user or --assistant, got '--bot'"), out)
        XCTAssertTrue(out.contains("mine  messages        1      4  (typed in the shell)"), out)
    }

    func testSaveRoundTripsAndSplitIsSeeded() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sft-datacmd-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = ["data load sessions/data/identity.jsonl --name id", "data split id --valid 0.25 --seed 3",
                      "data save id.valid \(file)", "data load \(file) --name back", "data find Lumen --in back --limit 1",
                      "data split id --valid 0.25 --seed 3"]
        let out = try sft(script)
        XCTAssertTrue(out.contains("id.train: 18 samples, id.valid: 6 samples\n"), out)
        XCTAssertTrue(out.contains("saved 6 samples of id.valid to \(file)"), out)
        XCTAssertTrue(out.contains("back: 6 samples (messages)"), out)
        XCTAssertTrue(out.contains("id.train: 18 samples, id.valid: 6 samples (replaced the earlier split)"), out)
        XCTAssertEqual(try sft(script).replacingOccurrences(of: file, with: "F"), out.replacingOccurrences(of: file, with: "F"))
    }

    func testTokenViewsSayNoModel() throws {
        let out = try sft(["data load sessions/data/general.jsonl", "data show 1 --tokens", "data stats",
                           "data filter general --max-tokens 10"], model: false)
        XCTAssertTrue(out.contains("error: no model loaded: token counts need a model\nhint: `model load"), out)
        XCTAssertTrue(out.contains("tokens: no model loaded: token counts need a model"), out)
        XCTAssertTrue(out.contains("length in characters per sample"), out)
    }

    func testDedupAndCheckOfALoadedSet() throws {
        let out = try sft(["data load Tests/Fixtures/data/bad/duplicate.jsonl --name d", "data check d", "data dedup d", "data check d"])
        XCTAssertTrue(out.contains("d: checked 3 samples: 1 problem"), out)
        XCTAssertTrue(out.contains("duplicate sample (warning)"), out)
        XCTAssertTrue(out.contains("d: removed 1 duplicate, 2 samples left"), out)
        XCTAssertTrue(out.contains("d: checked 2 samples: no problems"), out)
    }
}
