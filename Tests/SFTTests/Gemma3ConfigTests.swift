// Gemma 3 config.json variants: transformers 4's flat keys read like transformers 5's nested ones, and every
// feature sft does not implement is refused with an error that names it (never loaded and run wrong).
import Foundation
import XCTest
import SFT

final class Gemma3ConfigTests: XCTestCase {
    /// The tiny fixture's config.json as a dictionary (transformers 5 layout).
    func fixtureJSON() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Gemma3Fixture.path("gemma3-untied") + "/config.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testTransformers4KeysReadTheSame() throws {
        var j = try fixtureJSON()
        let reference = try ModelConfig.fromHFConfig(j)
        j["rope_parameters"] = nil
        j["rope_theta"] = 1_000_000.0
        j["rope_local_base_freq"] = 10_000.0
        j["rope_scaling"] = NSNull()
        XCTAssertEqual(try ModelConfig.fromHFConfig(j), reference)
        // no layer_types: HF's sliding_window_pattern rule (every pattern-th layer full)
        j["layer_types"] = nil
        j["num_hidden_layers"] = 2
        j["sliding_window_pattern"] = 2
        XCTAssertEqual(try ModelConfig.fromHFConfig(j).slidingLayers, [true, false])
        j["sliding_window_pattern"] = nil
        XCTAssertEqual(try ModelConfig.fromHFConfig(j).slidingLayers, [true, true], "default pattern 6")
        // a different local base is kept apart from the global one
        j["rope_local_base_freq"] = 20_000.0
        let c = try ModelConfig.fromHFConfig(j)
        XCTAssertEqual(c.ropeLocalTheta, 20_000)
        XCTAssertEqual(c.ropeTheta, 1_000_000)
    }

    func testUnsupportedFeaturesAreRefusedByName() throws {
        let base = try fixtureJSON()
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("final_logit_softcapping", { $0["final_logit_softcapping"] = 30.0 }),
            ("attn_logit_softcapping", { $0["attn_logit_softcapping"] = 50.0 }),
            ("RoPE scaling 'linear'", { $0["rope_scaling"] = ["rope_type": "linear", "factor": 8.0] }),
            ("RoPE scaling 'yarn'", { $0["rope_parameters"] = ["full_attention": ["rope_type": "yarn", "rope_theta": 1e6]] }),
            ("use_bidirectional_attention", { $0["use_bidirectional_attention"] = true }),
            ("attention_bias", { $0["attention_bias"] = true }),
            ("hidden_activation 'silu'", { $0["hidden_activation"] = "silu" }),
            ("Gemma3ForConditionalGeneration", { $0["architectures"] = ["Gemma3ForConditionalGeneration"] }),
            ("layer type 'chunked_attention'", { $0["layer_types"] = ["sliding_attention", "chunked_attention"] }),
            ("layer_types must list one type per layer", { $0["layer_types"] = ["sliding_attention"] }),
            ("sliding_window", { $0["sliding_window"] = 0 }),
            ("query_pre_attn_scalar", { $0["query_pre_attn_scalar"] = -1 }),
        ]
        for (needle, edit) in cases {
            var j = base
            edit(&j)
            XCTAssertThrowsError(try ModelConfig.fromHFConfig(j), needle) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(needle): \(e)")
            }
        }
    }
}
