// PEFTLayout against what PEFT itself writes (Tests/Fixtures/export/peft, made by
// scripts/make-export-fixtures.py with peft on a tiny Llama): exact key strings, parse as the inverse,
// shapes A (r, in) / B (out, r), adapter_config.json written (golden Tests/Fixtures/export/adapter_config.json)
// and read back, PEFT's own config parsed, and the errors for what sft cannot apply.
import Foundation
import SFT
import XCTest

final class ExportPEFTTests: XCTestCase {
    static let fixtures = ExportLlamaFactoryTests.fixtures

    func testKeys() {
        XCTAssertEqual(PEFTLayout.key(layer: 0, target: "q", matrix: .A), "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        XCTAssertEqual(PEFTLayout.key(layer: 29, target: "o", matrix: .B), "base_model.model.model.layers.29.self_attn.o_proj.lora_B.weight")
        XCTAssertEqual(PEFTLayout.key(layer: 3, target: "gate", matrix: .A), "base_model.model.model.layers.3.mlp.gate_proj.lora_A.weight")
        XCTAssertEqual(PEFTLayout.key(layer: 3, target: "down", matrix: .B), "base_model.model.model.layers.3.mlp.down_proj.lora_B.weight")
        for l in [0, 7, 123] {
            for t in Hyperparameters.loraTargetNames {
                for m in [PEFTLayout.Matrix.A, .B] {
                    let p = PEFTLayout.parse(key: PEFTLayout.key(layer: l, target: t, matrix: m))
                    XCTAssertTrue(p.map { $0 == (l, t, m) } ?? false, "\(l) \(t) \(m)")
                }
            }
        }
        for bad in ["base_model.model.model.layers.0.self_attn.q_proj.weight", "base_model.model.model.embed_tokens.weight",
                    "base_model.model.model.layers.x.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.01.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.0.mlp.q_proj.lora_A.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight",
                    "base_model.model.model.layers.0.self_attn.q_proj.lora_C.weight", "model.layers.0.self_attn.q_proj.lora_A.weight"] {
            XCTAssertNil(PEFTLayout.parse(key: bad), bad)
        }
        XCTAssertEqual(PEFTLayout.moduleName("up"), "up_proj")
        XCTAssertEqual(PEFTLayout.shortName("down_proj"), "down")
        XCTAssertNil(PEFTLayout.moduleName("lm_head"))
    }

    /// Every key PEFT wrote for the tiny model parses, and its shape is PEFTLayout.shape's.
    func testAgainstPEFTsKeysAndShapes() throws {
        let text = try String(contentsOfFile: Self.fixtures + "/peft/keys.txt", encoding: .utf8)
        let tiny = ModelConfig(architecture: .llama, vocabSize: 64, hiddenSize: 16, intermediateSize: 40, numLayers: 2,
                               numHeads: 4, numKVHeads: 2, maxPositions: 64, ropeTheta: 10000, rmsNormEps: 1e-6, tiedEmbeddings: false)
        var seen = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let key = String(parts[0])
            let shape = parts[1].split(separator: ",").compactMap { Int($0) }
            let p = try XCTUnwrap(PEFTLayout.parse(key: key), key)
            XCTAssertEqual(PEFTLayout.key(layer: p.layer, target: p.target, matrix: p.matrix), key)
            XCTAssertEqual(PEFTLayout.shape(target: p.target, matrix: p.matrix, rank: 4, config: tiny), shape, key)
            seen.insert(key)
        }
        XCTAssertEqual(seen.count, 2 * 7 * 2)
    }

    func testAdapterConfigRoundTripAndGolden() throws {
        let data = PEFTLayout.adapterConfigJSON(rank: 8, alpha: 16, dropout: 0.05, targets: ["v", "q", "down"],
                                                baseModelName: "HuggingFaceTB/SmolLM2-135M-Instruct")
        let golden = Self.fixtures + "/adapter_config.json"
        if ProcessInfo.processInfo.environment["SFT_UPDATE_GOLDEN"] == "1" { try data.write(to: URL(fileURLWithPath: golden)) }
        XCTAssertEqual(String(decoding: data, as: UTF8.self), try String(contentsOfFile: golden, encoding: .utf8))
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(obj["peft_type"] as? String, "LORA")
        XCTAssertEqual(obj["task_type"] as? String, "CAUSAL_LM")
        XCTAssertEqual(obj["r"] as? Int, 8)
        XCTAssertEqual(obj["lora_alpha"] as? Int, 16)
        XCTAssertEqual(obj["target_modules"] as? [String], ["q_proj", "v_proj", "down_proj"])
        XCTAssertEqual(obj["bias"] as? String, "none")
        XCTAssertEqual(obj["use_rslora"] as? Bool, false)
        XCTAssertEqual(obj["fan_in_fan_out"] as? Bool, false)
        XCTAssertEqual(obj["inference_mode"] as? Bool, true)
        let back = try PEFTLayout.parseAdapterConfig(data)
        XCTAssertEqual(back, PEFTLayout.AdapterConfig(rank: 8, alpha: 16, dropout: 0.05, targets: ["q", "v", "down"],
                                                      baseModelName: "HuggingFaceTB/SmolLM2-135M-Instruct"))
        XCTAssertEqual(try PEFTLayout.parseAdapterConfig(PEFTLayout.adapterConfigJSON(rank: 4, alpha: 12.5, dropout: 0, targets: ["k"],
                                                                                      baseModelName: nil)).alpha, 12.5)
    }

    func testParsesPEFTsOwnConfig() throws {
        let c = try PEFTLayout.parseAdapterConfig(try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/peft/adapter_config.json")))
        XCTAssertEqual(c, PEFTLayout.AdapterConfig(rank: 4, alpha: 8, dropout: 0.05, targets: Hyperparameters.loraTargetNames,
                                                   baseModelName: "tiny-llama"))
    }

    func testUnsupportedOptionsAreClearErrors() throws {
        let base = try XCTUnwrap(JSONSerialization.jsonObject(with: PEFTLayout.adapterConfigJSON(
            rank: 8, alpha: 16, dropout: 0, targets: ["q", "v"], baseModelName: nil)) as? [String: Any])
        func error(_ change: [String: Any]) -> String {
            let obj = base.merging(change) { $1 }
            do {
                _ = try PEFTLayout.parseAdapterConfig(try JSONSerialization.data(withJSONObject: obj), file: "a/adapter_config.json")
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error(["use_rslora": true]).contains("use_rslora is set"))
        XCTAssertTrue(error(["use_dora": true]).contains("use_dora is set"))
        XCTAssertTrue(error(["bias": "lora_only"]).contains("bias \"lora_only\" is not supported"))
        XCTAssertTrue(error(["modules_to_save": ["lm_head"]]).contains("modules_to_save is set"))
        XCTAssertTrue(error(["rank_pattern": ["q_proj": 4]]).contains("rank_pattern"))
        XCTAssertTrue(error(["peft_type": "IA3"]).contains("peft_type IA3"))
        XCTAssertTrue(error(["target_modules": ["q_proj", "lm_head"]]).contains("lm_head"))
        XCTAssertTrue(error(["target_modules": ".*proj"]).contains("pattern"))
        XCTAssertTrue(error(["use_rslora": true]).hasPrefix("a/adapter_config.json: "))
        XCTAssertTrue(error(["use_rslora": true]).contains("\nhint: "))
        XCTAssertEqual(error(["modules_to_save": NSNull(), "use_dora": false, "lora_bias": false]), "no error")
        XCTAssertEqual(try PEFTLayout.parseAdapterConfig(try JSONSerialization.data(withJSONObject: base.merging(["target_modules": "all-linear"]) { $1 })).targets,
                       Hyperparameters.loraTargetNames)
        XCTAssertThrowsError(try PEFTLayout.parseAdapterConfig(Data("[1]".utf8)))
    }
}
