// The default model through the GGUF reader: metadata, tensor table, tokenizer keys, dequantization.
import Foundation
import XCTest
import SFT

final class FormatsRealModelTests: XCTestCase {
    func testReadsDefaultGGUF() throws {
        let path = try FormatsPaths.model()
        let t0 = Date()
        let g = try GGUFFile(path: path)
        FileHandle.standardError.write("GGUFFile open: \(Int(Date().timeIntervalSince(t0) * 1000)) ms\n".data(using: .utf8)!)
        XCTAssertEqual(g.version, 3)
        XCTAssertEqual(g.string("general.architecture"), "llama")
        XCTAssertEqual(g.int("llama.block_count"), 30)
        XCTAssertEqual(g.float("llama.rope.freq_base"), 100000)
        XCTAssertEqual(g.string("tokenizer.ggml.model"), "gpt2")
        XCTAssertEqual(g.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(g.stringArray("tokenizer.ggml.tokens")?.count, 49152)
        XCTAssertEqual(g.stringArray("tokenizer.ggml.merges")?.count, 48900)
        XCTAssertEqual(g.intArray("tokenizer.ggml.token_type")?.count, 49152)
        XCTAssertEqual(g.int("tokenizer.ggml.bos_token_id"), 1)
        XCTAssertEqual(g.int("tokenizer.ggml.eos_token_id"), 2)
        XCTAssertEqual(g.int("tokenizer.ggml.padding_token_id"), 2)
        XCTAssertEqual(g.bool("tokenizer.ggml.add_bos_token"), false)
        XCTAssertTrue(g.string("tokenizer.chat_template")?.hasPrefix("{% for message in messages %}") ?? false)
        XCTAssertEqual(g.tokenizerMetadata.map(\.0).first, "tokenizer.ggml.add_space_prefix")
        XCTAssertEqual(g.tensors.count, 272)
        let emb = try XCTUnwrap(g.tensors["token_embd.weight"])
        XCTAssertEqual(emb.type, .q8_0)
        XCTAssertEqual(emb.dims, [576, 49152])
        XCTAssertEqual(emb.shape, [49152, 576])
        XCTAssertEqual(g.tensors["blk.0.attn_k.weight"]?.type, .q4_1)
        XCTAssertEqual(g.tensors["blk.0.attn_k.weight"]?.dims, [576, 192])
        XCTAssertNil(g.tensors["output.weight"])

        // Fast dequantization equals the reference on the real tensors.
        for name in ["blk.0.attn_k.weight", "token_embd.weight", "blk.3.attn_norm.weight"] {
            let info = try XCTUnwrap(g.tensors[name])
            let fast = try g.floats(name)
            var ref = [Float](repeating: 0, count: info.elementCount)
            ref.withUnsafeMutableBufferPointer {
                dequantizeReference(info.type, g.rawBytes(info).baseAddress!, into: $0.baseAddress!, count: info.elementCount)
            }
            XCTAssertEqual(fast, ref, name)
        }
    }
}
