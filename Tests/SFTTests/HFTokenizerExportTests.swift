// HFTokenizerExport for SentencePiece-style vocabularies: the tokenizer.json written from llama.cpp's llama-spm GGUF
// reads back (fromTokenizerJSON) to a tokenizer that gives llama.cpp's ids on its test vectors, for each way a "▁"
// goes before text (llama.cpp's add_space_prefix, Gemma's none, and the two Metaspace schemes); tokenizer_config.json
// names the special tokens and BOS adding. With SFT_REF_PYTHON set, transformers' AutoTokenizer loads the directory
// and gives the same ids (scripts/check-tokenizer-export.py).
import Foundation
import SFT
import XCTest

final class HFTokenizerExportTests: XCTestCase {
    static let vocab = TokenizerTestPaths.fixtures + "/ggml-vocab-llama-spm.gguf"

    /// Writes the export of `tokenizer` (vocabulary from the llama-spm GGUF) into a new directory; the caller removes it.
    func export(_ tokenizer: BPETokenizer) throws -> String {
        let dir = NSTemporaryDirectory() + "sft-spm-export-\(getpid())-\(UUID().uuidString.prefix(8))"
        try AtomicFile.makeDirectory(dir)
        for (name, data) in try HFTokenizerExport.files(tokenizer, ggufPath: Self.vocab, maxPositions: 4096) {
            try AtomicFile.write(data, to: dir + "/" + name)
        }
        return dir
    }

    func testLlamaSPMRoundTripGivesLlamaCppIds() throws {
        let (tok, _) = try TokenizerTestPaths.load(Self.vocab)
        let dir = try export(tok)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let back = try BPETokenizer.fromTokenizerJSON(path: dir + "/tokenizer.json")
        XCTAssertEqual(back.preTokenizer, .sentencePiece)
        XCTAssertEqual(back.tokens, tok.tokens)
        let vectors = try TokenizerConformanceTests.vectors(Self.vocab)
        XCTAssertGreaterThan(vectors.count, 40)
        var failures = 0
        for (text, want) in vectors where back.encode(text, parseSpecial: false) != want {
            failures += 1
            XCTFail("\(text.debugDescription): got \(back.encode(text, parseSpecial: false)), want \(want)")
        }
        XCTAssertEqual(failures, 0)
        // Special tokens in text, and decoding.
        for text in ["<s>[INST] Hi [/INST] Hello </s><s>[INST] more", "<unk> x", "a\n\nb  c"] {
            XCTAssertEqual(back.encode(text, parseSpecial: true), tok.encode(text, parseSpecial: true), text)
        }
        XCTAssertEqual(back.decode(tok.encode("  Café 東京 😀")), "  Café 東京 😀")

        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tokenizer_config.json"))) as? [String: Any])
        XCTAssertEqual(config["tokenizer_class"] as? String, "PreTrainedTokenizerFast")
        XCTAssertEqual(config["bos_token"] as? String, "<s>")
        XCTAssertEqual(config["eos_token"] as? String, "</s>")
        XCTAssertEqual(config["unk_token"] as? String, "<unk>")
        XCTAssertEqual(config["add_bos_token"] as? Bool, true)
        XCTAssertEqual(config["add_eos_token"] as? Bool, false)
        XCTAssertEqual(config["model_max_length"] as? Int, 4096)

        // The file's shape: what transformers needs to add BOS and to fall back to bytes.
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tokenizer.json"))) as? [String: Any])
        let model = try XCTUnwrap(root["model"] as? [String: Any])
        XCTAssertEqual(model["byte_fallback"] as? Bool, true)
        XCTAssertEqual(model["unk_token"] as? String, "<unk>")
        XCTAssertEqual((root["post_processor"] as? [String: Any])?["type"] as? String, "TemplateProcessing")
        XCTAssertEqual(Set(((root["added_tokens"] as? [[String: Any]]) ?? []).compactMap { $0["content"] as? String }), ["<unk>", "<s>", "</s>"])
        XCTAssertGreaterThan((model["merges"] as? [Any])?.count ?? 0, 10000)
    }

    /// Every "▁" rule round-trips: the tokenizer read back encodes like the one written, on the same texts.
    func testEverySpacePrefixRoundTrips() throws {
        let (_, g) = try TokenizerTestPaths.load(Self.vocab)
        let tokens = try XCTUnwrap(g.stringArray("tokenizer.ggml.tokens"))
        let types = g.intArray("tokenizer.ggml.token_type").map { $0.map { Int32($0) } }
        let scores = try XCTUnwrap(g.floatArray("tokenizer.ggml.scores")).map { Float($0) }
        let texts = try TokenizerConformanceTests.vectors(Self.vocab).map { $0.0 } + ["<s>Hi</s> there", " <s> lead", "x<s>y"]
        for prefix in [SpacePrefix.everySegment, SpacePrefix.none, .unlessSpace, .firstSegment] {
            let tok = try BPETokenizer(tokens: tokens, merges: [(String, String)](), tokenTypes: types, preTokenizer: .sentencePiece,
                                       bosId: 1, eosId: 2, scores: scores, spacePrefix: prefix, unknownId: 0)
            let dir = try export(tok)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let back = try BPETokenizer.fromTokenizerJSON(path: dir + "/tokenizer.json")
            for t in texts { XCTAssertEqual(back.encode(t, parseSpecial: true), tok.encode(t, parseSpecial: true), "\(prefix) \(t.debugDescription)") }
        }
    }

    func testTransformersLoadsTheExport() throws {
        let python = try referencePython(unchecked: "tokenizer.json export not loaded in transformers")
        let (tok, _) = try TokenizerTestPaths.load(Self.vocab)
        let dir = try export(tok)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let j = try runReferenceScript(python, script: "check-tokenizer-export.py", [dir, Self.vocab])
        XCTAssertEqual(j["failed"] as? Int, 0, "\(j)")
        XCTAssertEqual(j["bos_first"] as? Bool, true)
    }
}
