// HFTokenizerExport on the default model (SFT_MODEL, else cache/models/SmolLM2-135M-Instruct.Q4_1.gguf): the
// tokenizer.json written from the GGUF reads back (fromTokenizerJSON) to a tokenizer that encodes text, digits,
// special tokens and non-ASCII exactly as the GGUF's own. (transformers loading it and generating the same
// greedy text as sft was checked by hand; CI has no torch.)
import Foundation
import XCTest
import SFT

final class RepoSaveExportTests: XCTestCase {
    static var modelPath: String {
        ProcessInfo.processInfo.environment["SFT_MODEL"] ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("cache/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    func testTokenizerJSONFromGGUFEncodesTheSame() throws {
        guard FileManager.default.fileExists(atPath: Self.modelPath) else {
            return XCTFail("no model at \(Self.modelPath): set SFT_MODEL or run `make model`")
        }
        let g = try GGUFFile(path: Self.modelPath)
        let a = try BPETokenizer.fromGGUF(g, source: Self.modelPath)
        let dir = NSTemporaryDirectory() + "sft-tokjson-\(getpid())"
        try AtomicFile.makeDirectory(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try HFTokenizerExport.tokenizerJSON(a, ggufPath: Self.modelPath).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
        let b = try BPETokenizer.fromTokenizerJSON(path: dir + "/tokenizer.json")
        XCTAssertEqual(a.tokens, b.tokens)
        XCTAssertEqual(a.preTokenizer, b.preTokenizer)
        for text in ["Hello world 12345", "<|im_start|>user\nCafé! naïve 東京 😀<|im_end|>\n", "  spaces\t\ttabs\n\n", "don't I'll", "x=1+2;"] {
            XCTAssertEqual(a.encode(text), b.encode(text), text)
        }
    }
}
