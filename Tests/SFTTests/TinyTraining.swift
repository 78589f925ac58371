// A tiny random-weight Llama and synthetic rendered chats for the trainer tests: a "prompt" of random tokens
// then a reply that repeats a fixed pattern (learnable), so a loss can fall in a few steps.
import SFT

enum TinyTraining {
    static let config = ModelConfig(architecture: .llama, vocabSize: 64, hiddenSize: 32, intermediateSize: 48, numLayers: 2,
                                    numHeads: 4, numKVHeads: 2, maxPositions: 64, ropeTheta: 10000, rmsNormEps: 1e-5,
                                    tiedEmbeddings: true)

    static func model() -> Transformer {
        let p = ParameterTensors(config: config)
        var rng = TestRNG(9)
        for (n, v) in p.named { v.copy(from: n.hasSuffix("norm") ? rng.array(v.count, scale: 0.1).map { $0 + 1 } : rng.array(v.count, scale: 0.2)) }
        return Transformer(params: p)
    }

    static func chats(_ n: Int, seed: UInt64 = 3) -> [RenderedChat] {
        var rng = TestRNG(seed)
        return (0..<n).map { i in
            let promptLen = 3 + i % 4, replyLen = 4 + i % 5
            let prompt = (0..<promptLen).map { _ in Int32(rng.next() % 60) }
            let reply = (0..<replyLen).map { Int32(60 + $0 % 4) }
            return RenderedChat(tokens: prompt + reply, trained: Array(repeating: false, count: promptLen) + Array(repeating: true, count: replyLen))
        }
    }
}
