// Loads the tiny HF reference models written by scripts/make-model-fixtures.py and scripts/make-arch-fixtures.py
// (Tests/Fixtures/model).
import Foundation
import XCTest
import SFT

struct ModelFixture: Decodable {
    let architecture: String, tied: Bool
    let V: Int, C: Int, L: Int, NH: Int, NKV: Int, FF: Int, B: Int, T: Int
    let ropeTheta: Float, eps: Float
    let tokens: [Int32], targets: [Int32], mask: [Float]
    let loss: Double, logits: [Float]
    let lr: Float, loraLR: Float, weightDecay: Float, clip: Float
    let fullLosses: [Double], loraRank: Int, loraAlpha: Float, loraLosses: [Double]
    // make-arch-fixtures.py only: head size set apart, llama3 rope scaling, LoRA on every target, greedy decoding
    let headDim: Int?, maxPositions: Int?, ropeScaling: HFRoPEScaling?
    let loraAllLoss: Double?, greedyPrompt: [Int32]?, greedy: [Int32]?

    struct HFRoPEScaling: Decodable {
        let factor: Float, low_freq_factor: Float, high_freq_factor: Float, original_max_position_embeddings: Int
    }

    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/model")

    static func load(_ name: String) throws -> (ModelFixture, name: String) {
        let data = try Data(contentsOf: dir.appendingPathComponent("\(name).json"))
        return (try JSONDecoder().decode(ModelFixture.self, from: data), name)
    }

    var config: ModelConfig {
        ModelConfig(architecture: Architecture(rawValue: architecture)!, vocabSize: V, hiddenSize: C, intermediateSize: FF,
                    numLayers: L, numHeads: NH, numKVHeads: NKV, headDim: headDim, maxPositions: maxPositions ?? 64, ropeTheta: ropeTheta,
                    rmsNormEps: eps, tiedEmbeddings: tied,
                    ropeScaling: ropeScaling.map { .llama3(factor: $0.factor, lowFreqFactor: $0.low_freq_factor, highFreqFactor: $0.high_freq_factor,
                                                           originalMaxPositions: $0.original_max_position_embeddings) })
    }

    static func floats(_ file: String) throws -> [Float] {
        let d = try Data(contentsOf: dir.appendingPathComponent(file))
        return d.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Fills views in `named` order from a dense f32 blob.
    static func fill(_ named: [(String, View)], from blob: [Float]) {
        var o = 0
        for (_, v) in named { v.copy(from: Array(blob[o..<(o + v.count)])); o += v.count }
        precondition(o == blob.count, "fixture blob size \(blob.count) != \(o)")
    }

    /// LoRA of the fixture's rank and alpha on q,k,v,o with PEFT's A matrices from `<name>.lora.bin` (layer by layer,
    /// q,k,v,o within a layer, each (r, in)); B stays zero as PEFT initialises it.
    func qkvoLoRA(_ name: String) throws -> LoRA {
        let lora = try LoRA(model: config, config: LoRAConfig(rank: loraRank, alpha: loraAlpha, targets: [.q, .k, .v, .o]))
        let a = try Self.floats("\(name).lora.bin")
        var o = 0
        for l in 0..<L { for t in [LoRATarget.q, .k, .v, .o] {
            let v = lora.a(t, layer: l)!
            v.copy(from: Array(a[o..<(o + v.count)])); o += v.count
        } }
        return lora
    }

    func params(_ name: String) throws -> ParameterTensors {
        let p = ParameterTensors(config: config)
        Self.fill(p.named, from: try Self.floats("\(name).weights.bin"))
        return p
    }
}
