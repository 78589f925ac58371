// Dataset operations: seeded split and sample are deterministic and partition the data; dedup (exact and
// normalised), filter, find, add, stats, atomic save and reload; and the parse speed of 100k JSONL samples.
import XCTest
import Foundation
import SFT

final class DatasetOpsTests: XCTestCase {
    func chats(_ pairs: [(String, String)]) -> Dataset {
        Dataset(name: "t", conversations: pairs.enumerated().map { k, p in
            Conversation([Message(.user, p.0), Message(.assistant, p.1)], source: "t", line: k + 1)
        })
    }

    func testRNGIsSplitMix64() {
        var r = DataShuffleRNG(seed: 1234567)  // reference values of SplitMix64 for this seed
        XCTAssertEqual([r.next(), r.next(), r.next()],
                       [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
    }

    func testSplitAndSample() throws {
        let d = chats((0..<50).map { ("q\($0)", "a\($0)") })
        let (t1, v1) = try d.split(validFraction: 0.2, seed: 42)
        let (t2, v2) = try d.split(validFraction: 0.2, seed: 42)
        XCTAssertEqual(v1.count, 10)
        XCTAssertEqual(t1.count, 40)
        XCTAssertEqual(v1.conversations, v2.conversations)
        XCTAssertEqual(t1.conversations, t2.conversations)
        XCTAssertEqual(Set(t1.conversations + v1.conversations), Set(d.conversations))
        let (_, v3) = try d.split(validFraction: 0.2, seed: 43)
        XCTAssertNotEqual(v1.conversations, v3.conversations)
        XCTAssertEqual(try chats([("a", "b"), ("c", "d")]).split(validFraction: 0.01, seed: 1).valid.count, 1)
        XCTAssertThrowsError(try d.split(validFraction: 1.5, seed: 1))
        let s = d.sample(5, seed: 9)
        XCTAssertEqual(s.conversations, d.sample(5, seed: 9).conversations)
        XCTAssertEqual(Set(s.conversations).count, 5)
        XCTAssertEqual(d.sample(500, seed: 9).count, 50)
    }

    func testDedup() {
        let d = chats([("Hello, world!", "Hi."), ("hello world", "hi"), ("Hello, world!", "Hi."),
                       ("ＨＥＬＬＯ，ｗｏｒｌｄ！", "Ｈｉ。"), ("你好！", "你好。"), ("你好", "你好")])
        let exact = d.dedup()
        XCTAssertEqual(exact.removed, [2])
        XCTAssertEqual(exact.duplicateOf[2], 0)
        let norm = d.dedup(normalized: true)
        XCTAssertEqual(norm.removed, [1, 2, 3, 5])
        XCTAssertEqual(norm.kept.count, 2)
        XCTAssertEqual(Dataset.normalize("  Ｆｕｌｌ　Width, ok?"), "fullwidthok")
    }

    func testFilterFindAdd() throws {
        var d = chats([("short", "a"), ("a much longer question here", "and a longer answer too")])
        try d.add(Conversation([Message(.system, "s"), Message(.user, "u"), Message(.assistant, "a"),
                                Message(.user, "u2"), Message(.assistant, "a2")]))
        XCTAssertThrowsError(try d.add(Conversation([Message(.user, "only")])))
        XCTAssertThrowsError(try d.add(Conversation([Message(.user, "q"), Message(.assistant, " ")])))
        XCTAssertEqual(d.count, 3)
        let byChars: (Conversation) throws -> Int = { c in c.messages.reduce(0) { $0 + $1.content.count } }
        XCTAssertEqual(try d.filter(tokens: 0...10, counter: byChars).removed, [1])
        XCTAssertEqual(try d.filter(turns: 4...10).kept.count, 1)
        XCTAssertThrowsError(try d.filter(tokens: 0...10))
        let hits = d.find("LONGER", context: 4)
        XCTAssertEqual(hits.map(\.sample), [1, 1])
        XCTAssertEqual(hits[0].snippet, "…uch longer que…")
        XCTAssertEqual(hits[1].role, .assistant)
    }

    func testStats() throws {
        let d = chats([("你好世界", "Hello big world"), ("abc", "de")])
        let plain = try d.stats()
        XCTAssertEqual(plain.samples, 2)
        XCTAssertEqual(plain.turns, 4)
        XCTAssertEqual(plain.userChars, 7)
        XCTAssertEqual(plain.assistantChars, 17)
        XCTAssertEqual(plain.hanChars, 4)
        XCTAssertEqual(plain.latinWords, 5)
        XCTAssertNil(plain.tokens)
        // A fake template: one token per character, loss on the assistant's characters.
        let render: (Conversation) throws -> RenderedChat = { c in
            var t: [Int32] = [], m: [Bool] = []
            for msg in c.messages { for _ in msg.content { t.append(1); m.append(msg.role == .assistant) } }
            return RenderedChat(tokens: t, trained: m)
        }
        let s = try d.stats(render: render, contextLength: 10, bins: 4)
        XCTAssertEqual(s.tokens, 24)
        XCTAssertEqual(s.trainedTokens, 17)
        XCTAssertEqual(s.overContext, 1)
        XCTAssertEqual(s.overContextShare, 0.5)
        XCTAssertEqual(s.histogram.map(\.count).reduce(0, +), 2)
        XCTAssertEqual(s.maxLength, 19)
    }

    func testSaveIsAtomicAndReloads() throws {
        let dir = NSTemporaryDirectory() + "sft-save-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tricky = "quote \" backslash \\ newline \n tab \t ctrl \u{1} 你好 😀 \u{2028}"
        let d = chats([(tricky, "ok"), ("b", tricky)])
        let path = dir + "/out.jsonl"
        try d.save(to: path)
        let back = try Dataset.load(path)
        XCTAssertEqual(back.conversations.map(\.messages), d.conversations.map(\.messages))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.jsonl"])  // no temp left
        XCTAssertThrowsError(try d.save(to: dir + "/no/such/dir/x.jsonl"))
    }

    /// Parse speed of messages JSONL (no tokenising): 100k short samples from a temp file.
    func testLoad100kSamplesFast() throws {
        let path = NSTemporaryDirectory() + "sft-bench-\(getpid()).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try benchmarkDataLoad(samples: 100_000, path: path)
        print("data load: \(r.samples) samples, \(r.bytes / 1_000_000) MB in \(String(format: "%.3f", r.seconds)) s = \(Int(r.samplesPerSecond)) samples/s")
        XCTAssertEqual(r.samples, 100_000)
        XCTAssertGreaterThan(r.samplesPerSecond, 50_000)
    }
}
