// llama.cpp tokenizer test vectors (models/ggml-vocab-*.gguf + .inp/.out, tests/test-tokenizer-0.cpp):
// encode without BOS, control tokens not parsed, ids must match exactly. gpt-2, qwen2, llama-spm (SentencePiece),
// falcon and deepseek-llm are committed fixtures; llama-bpe (7.8 MB), deepseek-coder, starcoder, phi-3 and mpt are
// copied into cache/tokenizer by scripts/make-tokenizer-fixtures.py --fetch-vocabs and skipped when absent.
import Foundation
import SFT
import XCTest

final class TokenizerConformanceTests: XCTestCase {
    /// (input, expected ids) pairs, parsed like test-tokenizer-0.cpp.
    static func vectors(_ base: String) throws -> [(String, [Int32])] {
        let inp = try String(contentsOfFile: base + ".inp", encoding: .utf8)
        let out = try String(contentsOfFile: base + ".out", encoding: .utf8)
        var inputs = inp.components(separatedBy: "\n__ggml_vocab_test__\n")
        if inputs.last == "" { inputs.removeLast() }
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(inputs.count, lines.count, "test count mismatch in \(base)")
        return zip(inputs, lines).map { (s, l) in
            (s, l.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) })
        }
    }

    func check(_ base: String, kind: PreTokenizerKind) throws {
        let (tok, _) = try TokenizerTestPaths.load(base)
        XCTAssertEqual(tok.preTokenizer, kind)
        let vs = try Self.vectors(base)
        XCTAssertGreaterThan(vs.count, 30)
        var failures = 0
        for (text, want) in vs {
            let got = tok.encode(text, parseSpecial: false)
            if got != want {
                failures += 1
                XCTFail("\(base): \(text.debugDescription)\n got  \(got)\n want \(want)")
            }
            XCTAssertEqual(tok.decode(got), text, "round trip \(text.debugDescription)")
        }
        XCTAssertEqual(failures, 0)
    }

    func testGPT2Vectors() throws {
        try check(TokenizerTestPaths.fixtures + "/ggml-vocab-gpt-2.gguf", kind: .gpt2)
    }

    func testQwen2Vectors() throws {
        try check(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf", kind: .qwen2)
    }

    func testLlamaSPMVectors() throws {
        let base = TokenizerTestPaths.fixtures + "/ggml-vocab-llama-spm.gguf"
        try check(base, kind: .sentencePiece)
        // Decoding: byte-fallback tokens back to bytes, "▁" to spaces, the first token's prefix space dropped.
        let (tok, _) = try TokenizerTestPaths.load(base)
        XCTAssertEqual(tok.decode([15043, 3186]), "Hello world")
        XCTAssertEqual(tok.piece(15043), " Hello")
        XCTAssertEqual(tok.bytes(of: tok.id(of: "<0x0A>")!), [10])
        XCTAssertEqual(tok.decode([1, 15043]), "<s> Hello", "a control token first keeps the space, as HF's decode")
        XCTAssertEqual(tok.decode([1, 15043], skipSpecial: true), "Hello")
    }

    /// The tokenizer.json path: transformers' own conversion of the same vocabulary (Metaspace, prepend_scheme
    /// "first", so no "▁" before text that starts with a space or follows a special token), ids recorded by
    /// scripts/make-tokenizer-fixtures.py in llama-spm-hf.json; its 3.6 MB tokenizer.json lives in cache/.
    func testLlamaSPMTokenizerJSONMatchesHF() throws {
        struct Fixture: Decodable { var encode: [Enc] }
        struct Enc: Decodable { var text: String; var ids: [Int32] }
        let path = TokenizerTestPaths.packageRoot + "/cache/tokenizer/llama-spm-hf/tokenizer.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("run scripts/make-tokenizer-fixtures.py to write \(path)")
        }
        let tok = try BPETokenizer.fromTokenizerJSON(path: path)
        XCTAssertEqual(tok.preTokenizer, .sentencePiece)
        let data = try Data(contentsOf: URL(fileURLWithPath: TokenizerTestPaths.fixtures + "/llama-spm-hf.json"))
        let fx = try JSONDecoder().decode(Fixture.self, from: data)
        XCTAssertGreaterThan(fx.encode.count, 80)
        for e in fx.encode { XCTAssertEqual(tok.encode(e.text), e.ids, e.text.debugDescription) }
    }

    func testFalconVectors() throws {
        try check(TokenizerTestPaths.fixtures + "/ggml-vocab-falcon.gguf", kind: .falcon)
    }

    func testDeepSeekLLMVectors() throws {
        try check(TokenizerTestPaths.fixtures + "/ggml-vocab-deepseek-llm.gguf", kind: .deepseekLLM)
    }

    /// Vocabularies too big to commit, copied into cache/tokenizer by scripts/make-tokenizer-fixtures.py --fetch-vocabs.
    func testCachedVectors() throws {
        let cases: [(String, PreTokenizerKind)] = [("deepseek-coder", .deepseekCoder), ("starcoder", .smollm),
                                                   ("phi-3", .sentencePiece), ("mpt", .gpt2)]
        var ran = 0
        for (name, kind) in cases {
            let base = TokenizerTestPaths.packageRoot + "/cache/tokenizer/ggml-vocab-\(name).gguf"
            guard FileManager.default.fileExists(atPath: base + ".inp") else { continue }
            try check(base, kind: kind)
            ran += 1
        }
        if ran == 0 { throw XCTSkip("run scripts/make-tokenizer-fixtures.py --fetch-vocabs to test more llama.cpp vectors") }
    }

    func testLlama3Vectors() throws {
        let base = TokenizerTestPaths.packageRoot + "/cache/tokenizer/ggml-vocab-llama-bpe.gguf"
        guard FileManager.default.fileExists(atPath: base), FileManager.default.fileExists(atPath: base + ".inp") else {
            throw XCTSkip("run scripts/make-tokenizer-fixtures.py --fetch-vocabs to test Llama-3 vectors")
        }
        try check(base, kind: .llama3)
    }
}
