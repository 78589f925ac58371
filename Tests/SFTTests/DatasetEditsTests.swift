// Dataset edits and plain text: replace and system prompts, the three-way split, seeded mixes, scores that
// follow subsets and sort worst first, filters by pattern and score, find's match range, the histogram
// starting at the shortest sample, saving as alpaca/sharegpt/JSON array (reloaded), plain-text loading and
// the continued-pretraining blocks, and a directory refused as a directory.
import XCTest
import Foundation
import SFT

final class DatasetEditsTests: XCTestCase {
    func chats(_ pairs: [(String, String)], name: String = "t") -> Dataset {
        Dataset(name: name, conversations: pairs.enumerated().map { k, p in
            Conversation([Message(.user, p.0), Message(.assistant, p.1)], source: "t", line: k + 1)
        })
    }

    func tmp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-edits-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func testReplaceAndSystem() throws {
        var d = chats([("Who are you?", "I am {{name}}, made by {{author}}. {{name}}!"), ("hi", "hello")])
        d.scores = [SampleScore(loss: 1, tokens: 2, answerOnlyLoss: nil), SampleScore(loss: 2, tokens: 2, answerOnlyLoss: nil)]
        let r = try d.replacing("{{name}}", with: "Lumen")
        XCTAssertEqual(r.samples, 1)
        XCTAssertEqual(r.occurrences, 2)
        XCTAssertEqual(r.dataset.conversations[0].messages[1].content, "I am Lumen, made by {{author}}. Lumen!")
        XCTAssertNil(r.dataset.scores, "scores no longer describe the text")
        XCTAssertEqual(try d.replacing("absent", with: "x").samples, 0)
        XCTAssertThrowsError(try d.replacing("", with: "x"))

        let s = try r.dataset.withSystem("Be brief.")
        XCTAssertEqual(s.changed, 2)
        XCTAssertEqual(s.dataset.conversations.map(\.system), ["Be brief.", "Be brief."])
        XCTAssertEqual(try s.dataset.withSystem("Be brief.").changed, 0)
        let dropped = try s.dataset.withSystem(nil)
        XCTAssertEqual(dropped.changed, 2)
        XCTAssertEqual(dropped.dataset.conversations, r.dataset.conversations)
    }

    func testThreeWaySplit() throws {
        let d = chats((0..<40).map { ("q\($0)", "a\($0)") })
        let p = try d.split(validFraction: 0.1, testFraction: 0.2, seed: 7)
        XCTAssertEqual([p.train.count, p.valid.count, p.test.count], [28, 4, 8])
        XCTAssertEqual([p.train.name, p.valid.name, p.test.name], ["t.train", "t.valid", "t.test"])
        XCTAssertEqual(Set(p.train.conversations + p.valid.conversations + p.test.conversations), Set(d.conversations))
        XCTAssertEqual(try d.split(validFraction: 0.1, testFraction: 0.2, seed: 7).test.conversations, p.test.conversations)
        XCTAssertThrowsError(try d.split(validFraction: 0.5, testFraction: 0.5, seed: 7))
        XCTAssertThrowsError(try chats([("a", "b"), ("c", "d")]).split(validFraction: 0.1, testFraction: 0.1, seed: 1))
    }

    func testMix() throws {
        let a = chats((0..<30).map { ("a\($0)", "x") }, name: "a"), b = chats((0..<20).map { ("b\($0)", "y") }, name: "b")
        let m = try Dataset.mix([(a, 3), (b, 1)], size: nil, seed: 1, name: "m")
        XCTAssertEqual(m.taken, [30, 10], "largest mix with nothing repeated: a limits it to 40")
        XCTAssertEqual(m.dataset.count, 40)
        XCTAssertTrue(m.repeated.isEmpty)
        XCTAssertEqual(Set(m.dataset.conversations.filter { $0.messages[1].content == "x" }).count, 30)
        XCTAssertEqual(try Dataset.mix([(a, 3), (b, 1)], size: nil, seed: 1, name: "m").dataset.conversations, m.dataset.conversations)
        let big = try Dataset.mix([(a, 1), (b, 1)], size: 60, seed: 2, name: "m")
        XCTAssertEqual(big.taken, [30, 30])
        XCTAssertEqual(big.repeated, ["b"])
        XCTAssertThrowsError(try Dataset.mix([(a, 0)], size: nil, seed: 1, name: "m"))
        let text = Dataset(name: "txt", format: .text, conversations: [Conversation([Message(.assistant, "doc")])])
        XCTAssertThrowsError(try Dataset.mix([(a, 1), (text, 1)], size: nil, seed: 1, name: "m"))
    }

    func testScoresFollowSubsetsSortAndFilter() throws {
        var d = chats([("q1", "fine answer"), ("q2", "{{name}} off-topic"), ("q3", "ok")])
        d.scores = [SampleScore(loss: 1.0, tokens: 3, answerOnlyLoss: 2.0),    // ifd 0.5
                    SampleScore(loss: 3.0, tokens: 3, answerOnlyLoss: 2.0),    // ifd 1.5, ppl e^3
                    SampleScore(loss: 2.0, tokens: 1, answerOnlyLoss: nil)]
        XCTAssertEqual(try d.worst(by: false), [1, 2, 0])
        XCTAssertEqual(try d.worst(by: true), [1, 0, 2])
        let byPPL = try d.filter(maxPerplexity: exp(2.5))
        XCTAssertEqual(byPPL.removed, [1])
        XCTAssertEqual(byPPL.kept.scores?.map(\.loss), [1.0, 2.0])
        XCTAssertEqual(try d.filter(maxIFD: 1.0).removed, [1])
        let re = try NSRegularExpression(pattern: "\\{\\{\\w+\\}\\}")
        XCTAssertEqual(try d.filter(match: re).kept.conversations.map { $0.messages[0].content }, ["q2"])
        XCTAssertThrowsError(try chats([("a", "b")]).filter(maxIFD: 1)) { XCTAssertTrue("\($0)".contains("data score")) }
    }

    func testFindMarksTheMatch() {
        let d = chats([("a much longer question here", "x")])
        let h = d.find("LONGER", context: 4)[0]
        XCTAssertEqual(h.snippet, "…uch longer que…")
        XCTAssertEqual(String(h.snippet[h.match]), "longer")
    }

    func testHistogramStartsAtTheShortest() throws {
        let d = chats([("aaaaaaaaaa", "bbbbbbbbbb"), ("aaaaaaaaaaaa", "bbbbbbbbbbbb"), ("aaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbb")])
        let s = try d.stats(bins: 4)
        XCTAssertEqual(s.histogram.first?.lower, 20)
        XCTAssertEqual(s.histogram.map(\.count).reduce(0, +), 3)
        XCTAssertGreaterThan(s.histogram.last!.count, 0)
        XCTAssertLessThanOrEqual(s.histogram.last!.lower, 30)
    }

    func testSaveFormatsReload() throws {
        let d = Dataset(name: "t", conversations: [
            Conversation([Message(.system, "Be brief."), Message(.user, "q1"), Message(.assistant, "a1"), Message(.user, "q2"), Message(.assistant, "a2")]),
            Conversation([Message(.user, "你好"), Message(.assistant, "\"quoted\"\n  indented")]),
        ])
        for (format, ext) in [(DataFormat.alpaca, "json"), (.sharegpt, "jsonl"), (.messages, "json")] {
            let path = tmp("out-\(format.rawValue).\(ext)")
            try d.save(to: path, format: format, jsonArray: ext == "json")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertEqual(text.hasPrefix("["), ext == "json", "\(format) \(ext)")
            let back = try Dataset.load(path)
            XCTAssertEqual(back.format, format)
            XCTAssertEqual(back.conversations.map(\.messages), d.conversations.map(\.messages), "\(format)")
        }
    }

    func testPlainTextLoadsAsDocumentsAndBlocks() throws {
        let path = tmp("corpus.txt")
        try "第一段。\n还是第一段。\n\n\nSecond paragraph.\r\n\n  Third.\n".write(toFile: path, atomically: true, encoding: .utf8)
        let d = try Dataset.load(path)
        XCTAssertEqual(d.format, .text)
        XCTAssertTrue(d.isText)
        XCTAssertEqual(d.conversations.map { $0.messages[0].content }, ["第一段。\n还是第一段。", "Second paragraph.", "  Third."])
        XCTAssertEqual(d.conversations.map(\.line), [1, 5, 7])
        let jsonl = tmp("corpus.jsonl")
        try "{\"text\": \"one\"}\n{\"text\": 3}\n{\"text\": \"two\"}\n".write(toFile: jsonl, atomically: true, encoding: .utf8)
        let j = try Dataset.load(jsonl)
        XCTAssertEqual(j.format, .text)
        XCTAssertEqual(j.count, 2)
        XCTAssertEqual(j.report.dropped, 1)
        let bad = tmp("bad.txt")
        try Data([0x61, 0x0A, 0x62, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try Dataset.load(bad)) { XCTAssertEqual(($0 as? SFTError)?.line, 2) }

        // Blocks: documents (each ending in its end-of-text token) joined and cut; every token trained.
        let blocks = TextCorpus.blocks([[1, 2, 3, 0], [4, 5, 0], [6, 7, 8, 9, 0]], blockSize: 4)
        XCTAssertEqual(blocks.map(\.tokens), [[1, 2, 3, 0], [4, 5, 0, 6], [7, 8, 9, 0]])
        XCTAssertTrue(blocks.allSatisfy { $0.trained.allSatisfy { $0 } })
        XCTAssertEqual(TextCorpus.blocks([[1, 2, 3, 0], [4, 5]], blockSize: 4).count, 1, "the tail is dropped")
        XCTAssertEqual(TextCorpus.blocks([[1, 2, 0]], blockSize: 8).map(\.tokens), [[1, 2, 0]], "kept when it is the only block")
        let joined = try Dataset.concatenated([chats([("a", "b")]), chats([("c", "d"), ("e", "f")])], name: "ab")
        XCTAssertEqual(joined.count, 3)
        XCTAssertThrowsError(try Dataset.concatenated([chats([("a", "b")]), d], name: "x"))
    }

    func testDirectoryIsNamedAsOne() throws {
        let dir = tmp("adir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Dataset.load(dir)) { XCTAssertTrue(($0 as? SFTError)?.message.contains("directory") == true) }
    }
}

/// OpenAI content parts and weights, LLaMA-Factory v1 parts and loss_weight: counts, problems, and the mask.
final class DataPartsWeightsTests: XCTestCase {
    static let file = TokenizerTestPaths.packageRoot + "/Tests/Fixtures/data/openai/parts-weights.jsonl"

    func testPartsAndWeightsLoadWithProblemsReported() throws {
        let d = try Dataset.load(Self.file)
        XCTAssertEqual(d.count, 2)
        XCTAssertEqual(d.report.dropped, 3)
        XCTAssertEqual(d.conversations[0].system, "You are Lumen.")
        XCTAssertEqual(d.conversations[0].messages.map(\.trained), [true, true, false, true, true])
        XCTAssertEqual(d.conversations[1].messages.map(\.content), ["你好", "你好！"])
        let text = d.report.problems.map { "\($0.line ?? 0): \($0.message)" }.joined(separator: "\n")
        XCTAssertTrue(text.contains("3: message 1 (user): part 1 is of type \"image_url\"; sft trains text only"), text)
        XCTAssertTrue(text.contains("4: message 2 (assistant): \"weight\" must be 0 or 1"), text)
        XCTAssertTrue(text.contains("5: message 1 (user): text part 1 has no \"text\" string"), text)
        // Saved as messages, the weight goes with it.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sft-weights-\(getpid()).jsonl").path
        try d.save(to: out)
        XCTAssertEqual(try Dataset.load(out).conversations.map(\.messages), d.conversations.map(\.messages))
    }

    func testWeightZeroReplyIsShownNotTrained() throws {
        let (tok, _) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        let c = try Dataset.load(Self.file).conversations[0]
        let r = try ChatTemplateKind.qwen25.render(c.messages, addGenerationPrompt: false, tokenizer: tok)
        let trainedText = String(decoding: r.tokens.indices.filter { r.trained[$0] }.flatMap { Array(tok.piece(r.tokens[$0]).utf8) }, as: UTF8.self)
        XCTAssertEqual(trainedText, "Hello!<|im_end|>")
        XCTAssertTrue(try ChatTemplateKind.qwen25.renderText(c.messages, addGenerationPrompt: false).contains("Hello, old reply.<|im_end|>"))
    }
}
