// Export options asked for in issue 16: `export gguf --type q4_0|q4_k_m` (our Q4_0, Q4_K and Q6_K blocks
// dequantize back within their step, files load back in our own GGUF reader, each tensor gets llama.cpp's
// type for the file type), `export merged --dtype bf16|f16` (safetensors dtype and config torch_dtype agree),
// rms_norm_eps written as the source had it, the base model id for PEFT/LLaMA-Factory, no trust_remote_code.
import Foundation
import XCTest
import SFT

final class ExportOptionsTests: XCTestCase {
    func randoms(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale }
    }

    func roundTrip(_ type: GGUFTensorType, _ x: [Float]) throws -> [Float] {
        let bytes = try quantize(type, x)
        XCTAssertEqual(bytes.count, x.count / type.blockSize * type.blockBytes)
        var y = [Float](repeating: .nan, count: x.count)
        bytes.withUnsafeBytes { b in y.withUnsafeMutableBufferPointer { dequantize(type, b.baseAddress!, into: $0.baseAddress!, count: x.count) } }
        var ref = [Float](repeating: .nan, count: x.count)
        bytes.withUnsafeBytes { b in ref.withUnsafeMutableBufferPointer { dequantizeReference(type, b.baseAddress!, into: $0.baseAddress!, count: x.count) } }
        XCTAssertLessThan(zip(y, ref).map { abs($0 - $1) }.max()!, 1e-6, "\(type.name): fast and reference dequantizers agree")
        return y
    }

    func testQ4_0BlocksDequantizeBackWithinOneStep() throws {
        let x = randoms(32 * 64, seed: 1, scale: 0.3)
        let y = try roundTrip(.q4_0, x)
        for b in 0..<64 {
            let blk = x[(b * 32)..<((b + 1) * 32)]
            let step = blk.map(abs).max()! / 8                 // |d|: the extreme maps to -8, the far side clamps at 7
            for i in blk.indices { XCTAssertLessThanOrEqual(abs(y[i] - x[i]), step * 1.01 + 1e-6, "block \(b) value \(i)") }
        }
    }

    func testQ4_KAndQ6_KBlocksDequantizeBackWithinTolerance() throws {
        var x = randoms(256 * 8, seed: 2, scale: 0.2)
        for i in 0..<256 { x[i] += 0.5 }                        // one super-block all positive, one with an outlier
        x[300] = 3
        for (type, levels) in [(GGUFTensorType.q4_K, Float(15)), (.q6_K, Float(63))] {
            let y = try roundTrip(type, x)
            var worst: Float = 0
            for b in 0..<8 {
                let blk = x[(b * 256)..<((b + 1) * 256)]
                let range = max(blk.max()!, 0) - min(blk.min()!, 0)
                for i in blk.indices { worst = max(worst, abs(y[i] - x[i]) / range) }
            }
            XCTAssertLessThan(worst, 2 / levels, "\(type.name): worst error relative to the block's range")
        }
    }

    func testQ4KMPicksLlamaCppTypesPerTensor() {
        let t = GGUFExportType.q4_k_m
        func type(_ name: String, cols: Int = 512, layers: Int = 24, tied: Bool = false) -> GGUFTensorType {
            t.tensorType(name: name, cols: cols, numLayers: layers, tiedEmbeddings: tied)
        }
        XCTAssertEqual(type("blk.5.attn_q.weight"), .q4_K)
        XCTAssertEqual(type("output.weight"), .q6_K)
        XCTAssertEqual(type("token_embd.weight"), .q4_K)
        XCTAssertEqual(type("token_embd.weight", tied: true), .q6_K, "a tied embedding is the head")
        XCTAssertEqual(type("blk.0.attn_v.weight"), .q6_K)          // first eighth
        XCTAssertEqual(type("blk.23.ffn_down.weight"), .q6_K)       // last eighth
        XCTAssertEqual(type("blk.4.ffn_down.weight"), .q4_K)
        XCTAssertEqual(type("blk.5.ffn_down.weight"), .q6_K)        // (5 - 3) % 3 == 2
        XCTAssertEqual(type("blk.5.attn_q.weight", cols: 576), .q5_0, "rows not a multiple of 256: llama.cpp's fallback")
        XCTAssertEqual(type("output.weight", cols: 576), .q8_0)
        XCTAssertEqual(type("blk.0.attn_q.weight", cols: 48), .f16)
        XCTAssertEqual(GGUFExportType.q4_0.tensorType(name: "blk.0.attn_q.weight", cols: 576, numLayers: 30, tiedEmbeddings: true), .q4_0)
        XCTAssertEqual(GGUFExportType.q4_0.tensorType(name: "token_embd.weight", cols: 576, numLayers: 30, tiedEmbeddings: true), .q8_0)
    }

    /// A small Llama whose rows are multiples of 256, so the K-quants are really used.
    func params256() -> ParameterTensors {
        let c = ModelConfig(architecture: .llama, vocabSize: 96, hiddenSize: 256, intermediateSize: 512, numLayers: 2,
                            numHeads: 4, numKVHeads: 2, maxPositions: 64, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let p = ParameterTensors(config: c)
        var seed: UInt64 = 10
        for (name, v) in p.named {
            seed += 1
            let r = randoms(v.count, seed: seed, scale: 0.05)
            for i in 0..<v.count { v.ptr[i] = name.hasSuffix("norm") ? 1 : r[i] }
        }
        return p
    }

    func testGGUFExportsLoadBackInOurReaderWithLlamaCppTypes() throws {
        let p = params256()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-export-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (export, q, v1, head, fileType, tol) in [(GGUFExportType.q4_0, GGUFTensorType.q4_0, GGUFTensorType.q4_0, GGUFTensorType.q6_K, 2, Float(0.01)),
                                                     (.q4_k_m, .q4_K, .q6_K, .q6_K, 15, Float(0.01))] {
            let path = dir + "/m-\(export.rawValue).gguf"
            try saveGGUF(p, to: path, export: export, extraMetadata: [("general.name", .string("tiny"))])
            let g = try GGUFFile(path: path)
            XCTAssertEqual(g.int("general.file_type"), fileType)
            XCTAssertEqual(try g.info("blk.0.attn_q.weight").type, q)
            XCTAssertEqual(try g.info("blk.1.attn_v.weight").type, v1, "layer 1 of 2 is in the last eighth")
            XCTAssertEqual(try g.info("token_embd.weight").type, head)
            XCTAssertEqual(try g.info("blk.0.attn_norm.weight").type, .f32)
            let back = try loadModel(path: path)
            XCTAssertEqual([back.config.hiddenSize, back.config.numLayers, back.config.vocabSize], [256, 2, 96])
            XCTAssertTrue(back.config.tiedEmbeddings)
            for ((name, a), (_, b)) in zip(p.named, back.params.named) {
                let err = (0..<a.count).map { abs(a.ptr[$0] - b.ptr[$0]) }.max()!
                XCTAssertLessThan(err, tol, "\(export.rawValue) \(name)")
            }
        }
    }

    func testMergedExportDtypeWritesThatDtypeAndTorchDtype() throws {
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        for (dtype, torch, tol) in [(SafetensorsDType.bf16, "bfloat16", Float(1e-2)), (.f16, "float16", Float(1e-3)), (.f32, "float32", Float(0))] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-merged-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try saveHFWeights(base.params, directory: dir, dtype: dtype)
            let st = try SafetensorsFile(path: dir + "/model.safetensors")
            XCTAssertFalse(st.tensors.isEmpty)
            XCTAssertTrue(st.tensors.values.allSatisfy { $0.dtype == dtype }, "every tensor is \(dtype.rawValue)")
            XCTAssertEqual(st.tensors["model.embed_tokens.weight"]?.byteCount, base.config.vocabSize * base.config.hiddenSize * dtype.bytes)
            let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any])
            XCTAssertEqual(config["torch_dtype"] as? String, torch)
            let back = try loadModel(path: dir)
            for ((name, a), (_, b)) in zip(base.params.named, back.params.named) {
                let err = (0..<a.count).map { abs(a.ptr[$0] - b.ptr[$0]) / max(1, abs(a.ptr[$0])) }.max()!
                XCTAssertLessThanOrEqual(err, tol, "\(dtype.rawValue) \(name)")
            }
        }
    }

    func testMergedConfigWritesRmsNormEpsAsTheSourceHadIt() throws {
        // the fixture's config.json says 1e-05; through a GGUF (float32) and back it must still say 1e-05
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-eps-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try saveGGUF(base.params, to: dir + "/m.gguf", type: .f32)
        let viaGGUF = try loadModel(path: dir + "/m.gguf")
        try saveHFWeights(viaGGUF.params, directory: dir + "/hf")
        let text = try String(contentsOfFile: dir + "/hf/config.json", encoding: .utf8)
        XCTAssertTrue(text.contains("\"rms_norm_eps\" : 1e-05"), text)
        XCTAssertFalse(text.contains("9.99999"), text)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(j["rms_norm_eps"] as? Double, 1e-05)
    }

    func testBaseModelIDFromOptionHubCacheOrGGUFNameWithNote() throws {
        let given = try BaseModelID.resolve(modelPath: "/x/model.gguf", given: "HuggingFaceTB/SmolLM2-135M-Instruct")
        XCTAssertEqual(given.id, "HuggingFaceTB/SmolLM2-135M-Instruct")
        XCTAssertNil(given.note)
        let cache = try BaseModelID.resolve(modelPath: "/h/.cache/huggingface/hub/models--Qwen--Qwen2.5-0.5B-Instruct/snapshots/abc", given: nil)
        XCTAssertEqual(cache.id, "Qwen/Qwen2.5-0.5B-Instruct")
        XCTAssertNil(cache.note)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-base-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        try saveGGUF(base.params, to: dir + "/tiny.Q8_0.gguf", type: .f32, extraMetadata: [("general.name", .string("Tiny Llama Test"))])
        let gguf = try BaseModelID.resolve(modelPath: dir + "/tiny.Q8_0.gguf", given: nil)
        XCTAssertEqual(gguf.id, "Tiny Llama Test")
        XCTAssertTrue(gguf.note?.contains("--base-model") ?? false, gguf.note ?? "no note")
        XCTAssertThrowsError(try BaseModelID.resolve(modelPath: dir, given: " "))

        // PEFT's adapter_config.json carries it
        let json = PEFTLayout.adapterConfigJSON(rank: 4, alpha: 8, dropout: 0, targets: ["q"], baseModelName: given.id)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(config["base_model_name_or_path"] as? String, "HuggingFaceTB/SmolLM2-135M-Instruct")
    }

    func testLlamaFactoryYAMLHasNoTrustRemoteCodeForLlamaOrQwen2() throws {
        for template in ["smollm2", "qwen2.5"] {
            let yaml = String(decoding: try XCTUnwrap(ExportLlamaFactoryTests.job(template: template)["train.yaml"]), as: UTF8.self)
            XCTAssertFalse(yaml.contains("trust_remote_code"), template)
            XCTAssertTrue(yaml.contains("model_name_or_path: HuggingFaceTB/SmolLM2-135M-Instruct"))
        }
    }
}
