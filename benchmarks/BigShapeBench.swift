// Issue 12's bigger shape: a Qwen3-0.6B-shaped model with random weights (no download): hidden 1024, 28 layers,
// 16 query heads x head_dim 128 (= 2048, set apart from hidden/heads), 8 KV heads, q/k RMSNorm per head,
// feed-forward 3072, vocabulary 151936, tied embeddings. One LoRA r8 q,k,v,o step at batch 4 x 256 (forward,
// backward, AdamW) in the precision `auto` picks here, then prompt processing and greedy decode, with the
// process's peak memory after each. scripts/peer/bench_big.py builds the same shape in transformers.
import Foundation
import SFT

let qwen3_0_6B = ModelConfig(
    architecture: .qwen3, vocabSize: 151936, hiddenSize: 1024, intermediateSize: 3072, numLayers: 28, numHeads: 16,
    numKVHeads: 8, headDim: 128, maxPositions: 40960, ropeTheta: 1_000_000, rmsNormEps: 1e-6, tiedEmbeddings: true)

func bigShape() throws {
    let precision = MatMul.resolve("auto")
    // 1 warm-up step, then 2 timed: a step is ~10x the 135M model's
    try train("qwen3-0.6b lora r8 qkvo", key: "big-lora-qkvo", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o]),
              precision: precision, config: qwen3_0_6B, steps: 2)
    resetPeak()
    let model = Transformer(params: randomParams(qwen3_0_6B))
    try inference(model, label: "qwen3-0.6b ", key: "big-", config: qwen3_0_6B)
    print(String(format: "FIGURE big-decode-peak peak_gb=%.2f", peakRSS()))
}
