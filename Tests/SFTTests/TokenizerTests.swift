// BPETokenizer unit tests: a hand-made vocabulary (merge order, special tokens, tokenizer.json loading in both merge
// forms), pre-tokenizer splits, the SmolLM2 vocabulary (digits split, round trips), StreamDecoder, tokenStats,
// and the tokenization throughput benchmark.
import Foundation
import SFT
import XCTest

final class TokenizerTests: XCTestCase {
    func testByteLevelTable() {
        XCTAssertEqual(ByteLevel.encode(Array(" hi\n".utf8)), "ĠhiĊ")
        XCTAssertEqual(ByteLevel.decode("ĠhiĊ"), Array(" hi\n".utf8))
        for b in 0..<256 { XCTAssertEqual(ByteLevel.decode(ByteLevel.encode([UInt8(b)])), [UInt8(b)]) }
    }

    func testPreTokenizerSplits() {
        func words(_ s: String, _ k: PreTokenizerKind) -> [String] {
            let cps = s.unicodeScalars.map(\.value)
            var out: [String] = [], a = 0
            for e in PreTokenizer.split(cps, kind: k) {
                out.append(String(String.UnicodeScalarView(s.unicodeScalars.dropFirst(a).prefix(e - a)))); a = e
            }
            return out
        }
        XCTAssertEqual(words("I'm 12345 ok!!  x", .gpt2), ["I", "'m", " 12345", " ok", "!!", " ", " x"])
        XCTAssertEqual(words("I'M 12345 ok!!\n\nx", .llama3), ["I", "'M", " ", "123", "45", " ok", "!!\n\n", "x"])
        XCTAssertEqual(words("abc 123", .qwen2), ["abc", " ", "1", "2", "3"])
        XCTAssertEqual(words("abc 123x", .smollm), ["abc", " ", "1", "2", "3", "x"])
    }

    static func tinyTokenizerJSON(_ merges: String) -> String {
        """
        {"model": {"type": "BPE", "vocab": {"h": 1, "e": 2, "l": 3, "o": 4, "Ġ": 5, "1": 6, "2": 7, "he": 8,
          "ll": 9, "hell": 10, "hello": 11, "Ġhello": 12}, "merges": \(merges)},
         "added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": true}, {"id": 13, "content": "[x]", "special": false}],
         "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true},
           {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}]}}
        """
    }

    func testTokenizerJSONBothMergeForms() throws {
        for merges in [#"["h e", "l l", "he ll", "hell o", "Ġ hello"]"#, #"[["h","e"],["l","l"],["he","ll"],["hell","o"],["Ġ","hello"]]"#] {
            let path = NSTemporaryDirectory() + "sft-tok-\(UUID().uuidString).json"
            try Self.tinyTokenizerJSON(merges).write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let t = try BPETokenizer.fromTokenizerJSON(path: path)
            XCTAssertEqual(t.preTokenizer, .smollm)
            XCTAssertEqual(t.encode(" hello hello12"), [12, 12, 6, 7])
            XCTAssertEqual(t.encode("<|endoftext|>hello[x]"), [0, 11, 13])
            XCTAssertFalse(t.encode("<|endoftext|>", parseSpecial: false).contains(0))
            XCTAssertEqual(t.encode("hello[x]", parseSpecial: false), [11, 13], "non-special added tokens always match")
            XCTAssertEqual(t.decode([0, 11], skipSpecial: true), "hello")
        }
        let bad = NSTemporaryDirectory() + "sft-tok-bad.json"
        try #"{"model": {"type": "Unigram", "vocab": []}}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BPETokenizer.fromTokenizerJSON(path: bad)) { XCTAssertNotNil(($0 as? SFTError)?.hint) }
    }

    func testSmolLM2Basics() throws {
        let (tok, _) = try TokenizerTestPaths.smolLM2()
        XCTAssertEqual(tok.preTokenizer, .smollm)
        XCTAssertEqual(tok.vocabSize, 49152)
        XCTAssertEqual(tok.bosId, 1); XCTAssertEqual(tok.eosId, 2)
        XCTAssertEqual(tok.encode("<|im_start|>user"), [1, 4093])
        XCTAssertNotEqual(tok.encode("<|im_start|>", parseSpecial: false), [1])
        for s in ["Hello 世界 🦙 12345\n\n\tx  ", "", "a\u{00A0}b", "😀😀😀"] { XCTAssertEqual(tok.decode(tok.encode(s)), s) }
    }

    func testStreamDecoder() throws {
        let (tok, _) = try TokenizerTestPaths.smolLM2()
        let text = "猫 🦙 ok<|im_end|>"
        let ids = tok.encode(text)
        var d = StreamDecoder(tokenizer: tok)
        var out = "", pieces: [String] = []
        for id in ids { let p = d.push(id); pieces.append(p); out += p }
        out += d.finish()
        XCTAssertEqual(out, "猫 🦙 ok")
        for p in pieces { XCTAssertFalse(p.contains("\u{FFFD}")) }
        // A dangling partial character is flushed as U+FFFD at the end.
        var d2 = StreamDecoder(tokenizer: tok)
        let partial = ids.first { tok.bytes(of: $0).count == 1 && tok.bytes(of: $0)[0] >= 0xE0 }
        if let partial {
            XCTAssertEqual(d2.push(partial), "")
            XCTAssertEqual(d2.finish(), "\u{FFFD}")
        }
    }

    func testTokenStats() throws {
        let (tok, _) = try TokenizerTestPaths.smolLM2()
        let s = tokenStats(text: "Hello world 你好", tokenizer: tok)
        XCTAssertEqual(s.count, s.ids.count)
        XCTAssertEqual(s.ids, tok.encode("Hello world 你好"))
        XCTAssertEqual(s.englishWords, 2)
        XCTAssertEqual(s.hanCharacters, 2)
        XCTAssertEqual(s.tokensPerEnglishWord, 1)
        XCTAssertNotNil(s.tokensPerHanCharacter)
        XCTAssertEqual(s.characters, 14)
        XCTAssertEqual(s.pieces.joined().contains("Hello"), true)
    }

    /// The benchmark's own bookkeeping (its speed is a `make bench` figure, not a test): every chat is
    /// rendered and counted.
    func testBenchmarkCountsEveryChat() throws {
        let (tok, _) = try TokenizerTestPaths.smolLM2()
        let r = try TokenizerBenchmark.run(tokenizer: tok, template: .smolLM2, samples: 1_000)
        XCTAssertEqual(r.samples, 1_000)
        XCTAssertGreaterThan(r.tokens, 1_000 * 10)
    }
}
