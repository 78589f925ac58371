// Loading: the shipped samples in every format give the same chats, and each file of the bad-file corpus
// (Tests/Fixtures/data/bad, from scripts/make-data-fixtures.py) yields the right problem at the right line,
// with the file named, while the good lines still load. Nothing may crash.
import XCTest
import Foundation
import SFT

final class DataLoadTests: XCTestCase {
    let samples = packageRoot + "/sessions/data"
    let bad = dataFixtures + "/bad"

    func testShippedSamplesAgree() throws {
        let general = try Dataset.load(samples + "/general.jsonl")
        XCTAssertEqual(general.count, 20)
        XCTAssertTrue(general.report.isClean, general.report.problems.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(general.format, .messages)
        let alpaca = try Dataset.load(samples + "/alpaca.json")
        XCTAssertEqual(alpaca.format, .alpaca)
        XCTAssertEqual(alpaca.conversations.map(\.messages), general.conversations.map(\.messages))
        let csv = try Dataset.load(samples + "/qa.csv")
        let xlsx = try Dataset.load(samples + "/qa.xlsx")
        XCTAssertEqual(csv.format, .csv)
        XCTAssertEqual(xlsx.format, .xlsx)
        let firstTurns = general.conversations.map { Array($0.turns.prefix(2)) }
        XCTAssertEqual(csv.conversations.map(\.messages), firstTurns)
        XCTAssertEqual(xlsx.conversations.map(\.messages), firstTurns)
        XCTAssertEqual(csv.conversations[1].line, 3)
        let identity = try Dataset.load(samples + "/identity.jsonl")
        XCTAssertEqual(identity.count, 24)
        XCTAssertTrue(identity.report.isClean)
    }

    /// (file, kind, line, words the message must contain); the bad record is dropped, the others load.
    func testEachRuleNamesFileAndLine() throws {
        let cases: [(String, ProblemKind, Int, String)] = [
            ("wrong-role.jsonl", .unknownRole, 2, "unknown role \"bot\""),
            ("system-not-first.jsonl", .systemNotFirst, 2, "message 2 is a system message"),
            ("two-systems.jsonl", .twoSystems, 2, "2 system messages"),
            ("ends-with-user.jsonl", .endsWithUser, 2, "last message (3) is from the user"),
            ("no-assistant.jsonl", .noAssistant, 2, "no assistant reply"),
            ("not-alternating.jsonl", .notAlternating, 2, "message 2 is user, expected assistant"),
            ("empty-content.jsonl", .emptyContent, 2, "message 2 (assistant) has empty content"),
            ("non-string-content.jsonl", .wrongType, 2, "\"content\" is a number, expected a string or an array of text parts"),
            ("bad-json.jsonl", .badJSON, 2, "expected ',' or '}'"),
            ("unknown-shape.jsonl", .unknownSchema, 2, "keys: body"),
            ("mixed-format.jsonl", .otherFormat, 2, "this record is alpaca"),
            ("truncated-last-line.jsonl", .badJSON, 3, "cut off"),
            ("invalid-utf8.jsonl", .invalidUTF8, 2, "invalid UTF-8"),
            ("unterminated-quote.csv", .unterminatedQuote, 3, "never closes"),
        ]
        for (file, kind, line, words) in cases {
            let path = bad + "/" + file
            let d = try Dataset.load(path)
            let p = try XCTUnwrap(d.report.problems.first { $0.kind == kind }, "\(file): no \(kind) in \(d.report.problems)")
            XCTAssertEqual(p.line, line, file)
            XCTAssertTrue(p.description.hasPrefix(path + ":\(line)"), p.description)
            XCTAssertTrue(p.message.contains(words), "\(file): \(p.message)")
            XCTAssertNotNil(p.error.hint, file)
            XCTAssertEqual(d.report.dropped, 1, "\(file): \(d.report.headline)")
            XCTAssertEqual(d.report.droppedBy[kind], 1, file)
            XCTAssertFalse(d.conversations.contains { $0.line == line }, file)
            // strict: the same problem is thrown, with place and hint.
            XCTAssertThrowsError(try Dataset.load(path, options: DataLoadOptions(strict: true))) { e in
                let err = e as? SFTError
                XCTAssertEqual(err?.file, path)
                XCTAssertEqual(err?.line, line)
                XCTAssertTrue(err?.description.contains("hint:") == true)
            }
        }
    }

    func testColumnOfBadJSON() throws {
        let d = try Dataset.load(bad + "/bad-json.jsonl")
        let p = try XCTUnwrap(d.report.problems.first)
        XCTAssertEqual(p.column, 31)
        XCTAssertTrue(p.description.hasPrefix(bad + "/bad-json.jsonl:2:31: "), p.description)
    }

    func testWarningsKeepSamples() throws {
        let bom = try Dataset.load(bad + "/bom.jsonl")
        XCTAssertEqual(bom.count, 3)
        XCTAssertEqual(bom.report.counts[.bom], 1)
        XCTAssertEqual(bom.report.dropped, 0)
        let dup = try Dataset.load(bad + "/duplicate.jsonl")
        XCTAssertEqual(dup.count, 3)
        XCTAssertEqual(dup.report.problems.first?.kind, .duplicate)
        XCTAssertEqual(dup.report.problems.first?.line, 2)
        XCTAssertEqual(dup.report.problems.first?.message, "same sample as line 1")
        let long = try Dataset.load(bad + "/duplicate.jsonl",
                                    options: DataLoadOptions(tokenCounter: { c in c.messages.reduce(0) { $0 + $1.content.count } }, maxTokens: 10))
        XCTAssertEqual(long.report.counts[.tooLong], 3)
        XCTAssertTrue(long.report.summary.contains { $0.kind == .tooLong && $0.count == 3 && $0.places.count == 3 })
    }

    func testCSVVariants() throws {
        let q = try Dataset.load(bad + "/quoted-newlines.csv")
        XCTAssertEqual(q.count, 3)
        XCTAssertEqual(q.conversations[0].messages, [Message(.user, "Line one\nline two?"), Message(.assistant, "He said \"yes\", then left.")])
        XCTAssertEqual(q.conversations.map(\.line), [2, 4, 5])
        XCTAssertEqual(q.report.counts[.bom], 1)
        let t = try Dataset.load(bad + "/tabs.tsv")
        XCTAssertEqual(t.conversations.map(\.messages), [[Message(.user, "What is 3*3?"), Message(.assistant, "9")],
                                                         [Message(.user, "Name a colour."), Message(.assistant, "Blue.")]])
        // Explicit column names; a missing one is an error naming the header.
        let e = try Dataset.load(bad + "/tabs.tsv", options: DataLoadOptions(questionColumn: "response", answerColumn: "prompt"))
        XCTAssertEqual(e.conversations[0].messages[0].content, "9")
        XCTAssertThrowsError(try Dataset.load(bad + "/tabs.tsv", options: DataLoadOptions(questionColumn: "frage")))
    }

    func testFilesThatCannotLoad() {
        for (file, words) in [("empty.jsonl", "empty"), ("binary.bin", "binary"), ("truncated.xlsx", "ZIP"),
                              ("does-not-exist.jsonl", "no such file")] {
            XCTAssertThrowsError(try Dataset.load(bad + "/" + file), file) { e in
                let err = e as? SFTError
                XCTAssertEqual(err?.file, bad + "/" + file)
                XCTAssertTrue(err?.message.contains(words) == true, "\(file): \(String(describing: err))")
                XCTAssertNotNil(err?.hint, file)
            }
        }
    }

    func testFormatOverrideAndSummary() throws {
        // Forced alpaca on a messages file: every record is missing its fields, so nothing loads.
        XCTAssertThrowsError(try Dataset.load(samples + "/general.jsonl", options: DataLoadOptions(format: .alpaca))) { e in
            XCTAssertTrue("\(e)".contains("no usable samples"), "\(e)")
        }
        let d = try Dataset.load(bad + "/mixed-format.jsonl", options: DataLoadOptions(format: .alpaca))
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.report.dropped, 3)
        XCTAssertEqual(d.report.headline, "loaded 1 of 4 records; dropped 3 (3 missing field)")
    }

    func testProgressAndChunks() throws {
        var calls: [(Int64, Int64)] = []
        var o = DataLoadOptions(progress: { calls.append(($0, $1)) })
        o.chunkSize = 100  // lines straddle chunks
        let d = try Dataset.load(samples + "/general.jsonl", options: o)
        XCTAssertEqual(d.count, 20)
        XCTAssertGreaterThan(calls.count, 10)
        XCTAssertEqual(calls.last?.0, calls.last?.1)
        let whole = try Dataset.load(samples + "/general.jsonl")
        XCTAssertEqual(d.conversations, whole.conversations)
    }

    func testFuzzedLinesNeverCrash() throws {
        let good = try String(contentsOfFile: samples + "/general.jsonl", encoding: .utf8)
        var bytes = Array(good.utf8)
        var rng = DataShuffleRNG(seed: 11)
        for _ in 0..<400 { bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
        let path = NSTemporaryDirectory() + "sft-fuzz-\(getpid()).jsonl"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try? Dataset.load(path)
    }

    func temp(_ name: String, _ text: String) -> String {
        let path = NSTemporaryDirectory() + "sft-\(getpid())-" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func testShareGPTAndAlpacaJSONL() throws {
        let sg = temp("sg.jsonl", """
            {"conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q1"}, {"from": "gpt", "value": "A1"}]}
            {"conversations": [{"from": "user", "value": "Q2"}, {"from": "assistant", "value": "A2"}]}
            {"conversations": [{"from": "human", "value": "Q3"}, {"from": "function_call", "value": "f()"}]}
            """)
        defer { try? FileManager.default.removeItem(atPath: sg) }
        let d = try Dataset.load(sg)
        XCTAssertEqual(d.format, .sharegpt)
        XCTAssertEqual(d.conversations.map(\.messages), [[Message(.system, "S"), Message(.user, "Q1"), Message(.assistant, "A1")],
                                                         [Message(.user, "Q2"), Message(.assistant, "A2")]])
        XCTAssertEqual(d.report.problems.first?.kind, .unknownRole)
        XCTAssertEqual(d.report.problems.first?.line, 3)

        let al = temp("al.jsonl", """
            {"instruction": "Sum", "input": "2 and 3", "output": "5", "system": "Math", "history": [["hi", "hello"]]}
            {"instruction": "Say hi", "output": "hi"}
            {"instruction": "", "input": "", "output": "x"}
            {"instruction": "q", "output": ["not", "a", "string"]}
            """)
        defer { try? FileManager.default.removeItem(atPath: al) }
        let a = try Dataset.load(al)
        XCTAssertEqual(a.format, .alpaca)
        XCTAssertEqual(a.conversations[0].messages, [Message(.system, "Math"), Message(.user, "hi"), Message(.assistant, "hello"),
                                                     Message(.user, "Sum\n\n2 and 3"), Message(.assistant, "5")])
        XCTAssertEqual(a.count, 2)
        XCTAssertEqual(a.report.problems.map(\.kind), [.emptyContent, .wrongType])
        XCTAssertEqual(a.report.problems.map(\.line), [3, 4])
    }

    func testBrokenJSONArrayGivesLineAndColumn() {
        let path = temp("broken.json", "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\" \"output\": \"d\"}\n]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try Dataset.load(path)) { e in
            let err = e as? SFTError
            XCTAssertEqual(err?.line, 3)
            XCTAssertEqual(err?.message.hasPrefix("column 23:"), true, "\(String(describing: err))")
        }
    }

    func testCancellationStopsLoading() {
        Cancellation.request()
        defer { Cancellation.reset() }
        XCTAssertThrowsError(try Dataset.load(samples + "/general.jsonl")) { e in
            XCTAssertTrue("\(e)".contains("cancelled"))
        }
    }
}
