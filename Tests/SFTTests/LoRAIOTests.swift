// LoRAIO against PEFT (Tests/Fixtures/peft, see reference.json's schema): the tiny Llama base plus the PEFT
// adapter gives PEFT's adapter logits, merging gives the same logits, writing the adapter back gives the same
// tensors (values and shapes) and an adapter_config.json PEFT parses, and a broken adapter names its key.
import Foundation
import XCTest
import SFT

final class LoRAIOTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/peft").path

    struct Reference: Decodable {
        let ids: [Int32]
        let base_logits: [[Float]]
        let adapter_logits: [[Float]]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/reference.json")))
    }

    static func maxDiff(_ a: [Float], _ b: [[Float]]) -> Float {
        zip(a, b.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
    }

    func tmp(_ name: String) -> String {
        let p = NSTemporaryDirectory() + "sft-loraio-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: p)
        return p
    }

    func testPEFTAdapterGivesPEFTLogitsAndMerges() throws {
        let ref = try Self.reference()
        let base = try loadModel(path: Self.dir + "/base")
        let model = Transformer(params: base.params)
        let T = ref.ids.count
        XCTAssertLessThan(Self.maxDiff(try model.logits(tokens: ref.ids, batch: 1, length: T), ref.base_logits), 1e-4)

        let lora = try LoRAIO.read(directory: Self.dir + "/adapter", model: base.config)
        XCTAssertEqual(lora.config.rank, 4)
        XCTAssertEqual(lora.config.alpha, 8)
        XCTAssertEqual(lora.config.targets, [.q, .k, .v, .o])
        model.attach(lora: lora)
        XCTAssertLessThan(Self.maxDiff(try model.logits(tokens: ref.ids, batch: 1, length: T), ref.adapter_logits), 1e-4)

        // merged into a copy: same logits without the adapter, the live base untouched
        let before = Array(UnsafeBufferPointer(start: base.params.storage.base, count: base.params.count))
        let merged = Transformer(params: LoRAIO.mergedCopy(base.params, lora: lora))
        XCTAssertLessThan(Self.maxDiff(try merged.logits(tokens: ref.ids, batch: 1, length: T), ref.adapter_logits), 1e-4)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: base.params.storage.base, count: base.params.count)), before)
    }

    func testWriteReadRoundTrip() throws {
        let base = try loadModel(path: Self.dir + "/base")
        let lora = try LoRAIO.read(directory: Self.dir + "/adapter", model: base.config)
        let out = tmp("rt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try LoRAIO.write(lora, directory: out, baseModelName: "tiny")
        let a = try SafetensorsFile(path: Self.dir + "/adapter/adapter_model.safetensors")
        let b = try SafetensorsFile(path: out + "/adapter_model.safetensors")
        XCTAssertEqual(Set(a.tensors.keys), Set(b.tensors.keys))
        for k in a.tensors.keys {
            XCTAssertEqual(a.tensors[k]!.shape, b.tensors[k]!.shape, k)
            XCTAssertEqual(try a.floats(k), try b.floats(k), k)
        }
        let back = try LoRAIO.read(directory: out, model: base.config)
        XCTAssertEqual(back.config, lora.config)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: back.params.base, count: back.params.count)),
                       Array(UnsafeBufferPointer(start: lora.params.base, count: lora.params.count)))
        let cfg = try PEFTLayout.parseAdapterConfig(Data(contentsOf: URL(fileURLWithPath: out + "/adapter_config.json")))
        XCTAssertEqual(cfg.targets, ["q", "k", "v", "o"])
        XCTAssertEqual(cfg.baseModelName, "tiny")
    }

    func testErrorsNameTheKey() throws {
        let base = try loadModel(path: Self.dir + "/base")
        let lora = try LoRAIO.read(directory: Self.dir + "/adapter", model: base.config)
        // an adapter for another model: wrong hidden size
        var other = base.config
        other.hiddenSize = 48
        other.headDim = 12
        XCTAssertThrowsError(try LoRAIO.read(directory: Self.dir + "/adapter", model: other)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), s)
            XCTAssertTrue(s.contains("shape"), s)
        }
        // a config naming a target the weights lack
        let out = tmp("missing")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try LoRAIO.write(lora, directory: out)
        let cfg = PEFTLayout.adapterConfigJSON(rank: 4, alpha: 8, dropout: 0, targets: ["q", "k", "v", "o", "up"], baseModelName: nil)
        try cfg.write(to: URL(fileURLWithPath: out + "/adapter_config.json"))
        XCTAssertThrowsError(try LoRAIO.read(directory: out, model: base.config)) { e in
            XCTAssertTrue("\(e)".contains("mlp.up_proj.lora_A.weight' is missing"), "\(e)")
        }
        XCTAssertThrowsError(try LoRAIO.read(directory: out + "/nope", model: base.config)) { e in
            XCTAssertTrue("\(e)".contains("no such adapter directory"), "\(e)")
        }
    }
}
