// The fixtures' "N AdamW steps on one batch" check, shared by the Llama/Qwen2, Qwen3/Llama-3 and Gemma 3 tests:
// the loss before each step, then one AdamW step on every weight (full fine-tuning) or on the adapters only (LoRA).
import SFT

/// Losses of `steps` steps on the batch tokens/targets/mask (B, T); `lora` nil trains all weights (their
/// gradients must be enabled), otherwise the attached adapter.
func adamWStepLosses(_ model: Transformer, lora: LoRA? = nil, tokens: [Int32], targets: [Int32], mask: [Float], B: Int, T: Int,
                     steps: Int, lr: Float, weightDecay: Float, clip: Float) throws -> [Double] {
    let count = lora?.params.count ?? model.params.count
    let opt = AdamW(count: count, config: AdamWConfig(weightDecay: weightDecay, maxGradNorm: clip))
    var losses: [Double] = []
    for _ in 0..<steps {
        model.zeroGradients()
        losses.append(Double(try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, length: T, needGradients: true)))
        model.backward()
        if let lora {
            opt.step(params: lora.params.base, grads: lora.grads.base, lr: lr)
        } else {
            opt.step(params: model.params.storage.base, grads: model.grads!.storage.base, lr: lr)
        }
    }
    return losses
}
