// Issue 11 and the data parts of issue 16 through the real binary: scoring and listing by perplexity/IFD,
// filters by score and pattern into a new name, placeholders and system prompts, three-way splits, mixes,
// plain-text continued pretraining, the template lint, and the regressions: indentation kept by `data show`,
// the full `--format` hint, a directory named as one, `data stats` counting over max-seq-len, find marking
// the match, the histogram starting at the shortest sample, `data save --format` and .json, the load hint
// naming `data dedup NAME`, and `data check FILE` not saying "loaded".
import Foundation
import XCTest

final class DataQualityShellTests: XCTestCase {
    func sft(_ lines: [String], model: Bool = true) throws -> String {
        let script = (["#!keep-going"] + lines).joined(separator: "\n") + "\n"
        return try SFTBinary.run(model ? ["-"] : ["--no-model", "-"], stdin: script, timeout: 120, cwd: SFTBinary.packageRoot).stdout
    }

    func testDataShowKeepsIndentation() throws {
        let out = try sft(["data add code --user 'Write f.' --assistant '    return  x  # indented'", "data show code 1"], model: false)
        XCTAssertTrue(out.contains("\nassistant:\n      return  x  # indented\n"), out)
    }

    func testLLaMAFactoryFolderListsThenLoadsOneEntry() throws {
        let dir = "Tests/Fixtures/data/llamafactory"
        let out = try sft(["data load \(dir)", "data load \(dir) --dataset lumen_tools", "data load \(dir) --dataset alpaca_en",
                           "data load sessions/data/general.jsonl --dataset x", "data load \(dir) --dataset lumen_alpaca --name faq", "data list"],
                          model: false)
        XCTAssertTrue(out.contains("9 datasets in \(dir)/dataset_info.json (nothing loaded):"), out)
        XCTAssertTrue(out.contains("lumen_alpaca  lumen_alpaca.json"), out)
        XCTAssertTrue(out.contains("hub only: llamafactory/alpaca_en"), out)
        XCTAssertTrue(out.contains("hint: data load \(dir) --dataset lumen_alpaca loads one"), out)
        XCTAssertTrue(out.contains("lumen_tools: 2 samples (messages) from \(dir)"), out)
        XCTAssertTrue(out.contains("lumen_tools.json:18: message 2: the function_call is not a JSON"), out)
        XCTAssertTrue(out.contains("unknown role      1  26\n"), out)   // line numbers: every problem is in that one file
        XCTAssertTrue(out.contains("error: \(dir)/dataset_info.json: dataset 'alpaca_en' is not a local file"), out)
        XCTAssertTrue(out.contains("error: --dataset picks an entry of a LLaMA-Factory folder"), out)
        XCTAssertTrue(out.contains("faq: 3 samples (alpaca)"), out)
    }

    func testHintsDirectoryAndCheckFileWording() throws {
        let out = try sft(["data check Package.swift", "data load sessions/data", "data check Tests/Fixtures/data/bad/duplicate.jsonl",
                           "data load Tests/Fixtures/data/bad/duplicate.jsonl --name dup"], model: false)
        XCTAssertTrue(out.contains("or pass --format <messages|alpaca|sharegpt|csv|xlsx|text>"), out)
        XCTAssertTrue(out.contains("sessions/data: this is a directory, not a dataset file"), out)
        XCTAssertTrue(out.contains("would load "), out)
        XCTAssertFalse(out.components(separatedBy: "sft> data check Tests")[1].components(separatedBy: "sft> data load")[0].contains("\nloaded "), out)
        XCTAssertTrue(out.contains("hint: `data dedup dup` removes the later copies"), out)
    }

    func testStatsFindSaveFilterDedupAs() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sft-alpaca-\(getpid()).json").path
        let out = try sft(["set max-seq-len 32", "data load sessions/data/general.jsonl", "data stats general --bins 4",
                           "data find 河流 --in general --limit 1", "data save general \(file) --format alpaca",
                           "data filter general --match '(?i)river|河' --as rivers", "data dedup general --as general2", "data list"])
        XCTAssertTrue(out.contains("over max-seq-len 32 (cut in training): "), out)
        XCTAssertFalse(out.contains("over max-seq-len 32 (cut in training): 0 "), out)
        let stats = out.components(separatedBy: "length in tokens per sample: min ")[1]
        let minLength = Int(stats.prefix { $0.isNumber })!
        XCTAssertTrue(stats.range(of: "\n +\(minLength)-", options: .regularExpression) != nil, "histogram starts at the shortest: \(stats)")
        XCTAssertTrue(out.range(of: "general #\\d+ \\w+: .*«河流»", options: .regularExpression) != nil, out)
        XCTAssertTrue(out.contains("(alpaca JSON array)"), out)
        XCTAssertTrue(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("[\n{\"instruction\":"))
        XCTAssertTrue(out.range(of: "removed \\d+ samples outside the limits, \\d+ samples? left in rivers \\(general unchanged\\)", options: .regularExpression) != nil, out)
        XCTAssertTrue(out.contains("general: no duplicates; 20 samples copied into general2 (general unchanged)"), out)
    }

    func testScoreListFilterAndEdits() throws {
        let out = try sft(["data load sessions/data/quality.jsonl --name q", "data check q",
                           "data replace q '{{name}}' Lumen", "data replace q '{{author}}' 'the Lumen team'",
                           "data system q 'You are Lumen, a small assistant made by the Lumen team.'", "data split q --valid 0.1 --test 0.1 --seed 3",
                           "data score q", "data show q --sort ifd --worst 4", "data show q --sort ppl --worst 2",
                           "data filter q --max-ppl 1000 --max-ifd 1 --as clean", "data stats q",
                           "data mix both clean:3 q.test:1", "data system q --drop"])
        XCTAssertTrue(out.contains("placeholder left in text (warning)"), out)
        XCTAssertTrue(out.contains("q: replaced 9 occurrences of '{{name}}' in 8 samples"), out)
        XCTAssertTrue(out.contains("q: set the system prompt of 26 of 26 samples"), out)
        XCTAssertTrue(out.contains("q.train: 20 samples, q.valid: 3 samples, q.test: 3 samples"), out)
        XCTAssertTrue(out.contains("q: scored 26 samples"), out)
        let ifd = out.components(separatedBy: "sft> data show q --sort ifd --worst 4")[1].components(separatedBy: "sft>")[0]
        XCTAssertTrue((23...26).allSatisfy { ifd.contains("quality.jsonl:\($0)") }, "the four planted samples lead by IFD:\n\(ifd)")
        let ppl = out.components(separatedBy: "sft> data show q --sort ppl --worst 2")[1].components(separatedBy: "sft>")[0]
        XCTAssertTrue(ppl.contains("quality.jsonl:25") && ppl.contains("quality.jsonl:26"), "the planted noise leads by perplexity:\n\(ppl)")
        XCTAssertTrue(out.contains("IFD: min "), out)
        XCTAssertTrue(out.contains("both: "), out)
        XCTAssertTrue(out.contains("q: removed the system prompt from 26 of 26 samples"), out)
    }

    func testPlainTextTrainsInBlocks() throws {
        let out = try sft(["data load sessions/data/corpus.txt", "data stats corpus", "set max-seq-len 64", "set batch-size 2",
                           "data show corpus 1", "train 2 --data corpus"])
        XCTAssertTrue(out.contains("corpus: 5 samples (text) from sessions/data/corpus.txt"), out)
        XCTAssertTrue(out.contains("plain text: trains as "), out)
        XCTAssertTrue(out.contains("  Lumen is a small assistant trained with sft."), out)
        XCTAssertTrue(out.range(of: "step 2/\\d+", options: .regularExpression) != nil || out.contains("step 2"), out)
        XCTAssertFalse(out.contains("error:"), out)
    }
}
