// llama.cpp tokenizer test vectors (models/ggml-vocab-*.gguf + .inp/.out, tests/test-tokenizer-0.cpp):
// encode without BOS, control tokens not parsed, ids must match exactly. gpt-2 and qwen2 are committed fixtures;
// llama-bpe (7.8 MB) is fetched into cache/tokenizer by scripts/make-tokenizer-fixtures.py --fetch-llama-bpe
// and skipped when absent.
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

    func testLlama3Vectors() throws {
        let base = TokenizerTestPaths.packageRoot + "/cache/tokenizer/ggml-vocab-llama-bpe.gguf"
        guard FileManager.default.fileExists(atPath: base), FileManager.default.fileExists(atPath: base + ".inp") else {
            throw XCTSkip("run scripts/make-tokenizer-fixtures.py --fetch-llama-bpe to test Llama-3 vectors")
        }
        try check(base, kind: .llama3)
    }
}
