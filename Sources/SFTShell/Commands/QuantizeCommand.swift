// `quantize int8`: an INT8 (per-row absmax) copy of the active model with its adapter merged, for chat-testing
// a quantized deployment. Prints its size against fp32 and how far its logits move on a fixed prompt (stdout),
// and decode speed of both (stderr). `quantize off` drops it. The copy lives in session.repoState.int8.
// `ask` and `chat` answer with it (Generator's runner) until `quantize off` or another model loads.
import ArgumentParser
import Foundation
import SFT

struct QuantizeCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize", abstract: "Make an INT8 copy of the active model (adapter merged) and report size, speed and logit drift.")

    @Argument(help: "int8, or off to drop the copy.") var mode: String

    mutating func run(session: Session) throws {
        switch mode {
        case "off":
            session.repoState.int8 = nil
            session.out.print("int8 copy dropped")
            return
        case "int8": break
        default: throw SFTError("unknown quantization '\(mode)'", hint: "quantize int8, or quantize off")
        }
        let m = try session.requireModel()
        let t0 = Date()
        let q = Int8Model(params: m.params, lora: m.transformer.lora)
        let built = Date().timeIntervalSince(t0)
        let prompt = try m.prompt([Message(.user, "What is the capital of France? Answer in one sentence.")])
        let a = try m.transformer.prefill(prompt, cache: KVCache(config: m.config, capacity: prompt.count + 1))
        let b = try q.prefill(prompt, cache: KVCache(config: m.config, capacity: prompt.count + 1))
        let diffs = zip(a, b).map { abs($0 - $1) }
        let maxAbs = diffs.max() ?? 0, meanAbs = diffs.reduce(0, +) / Float(max(diffs.count, 1))
        let top = { (v: [Float]) in v.indices.max { v[$0] < v[$1] }! }
        let fp32MB = Double(m.params.count * 4) / 1_048_576, int8MB = Double(q.bytes) / 1_048_576
        session.repoState.int8 = q
        session.out.print("int8 copy: \(Format.size(q.bytes)) (fp32 \(Format.size(m.params.count * 4)), " + String(format: "%.2fx smaller)", fp32MB / int8MB))
        session.out.print(String(format: "logits on a %d-token prompt: max |diff| %.4f, mean |diff| %.4f, top token %@",
                                 prompt.count, maxAbs, meanAbs, top(a) == top(b) ? "same" : "differs"))
        session.out.note(String(format: "quantized in %.2f s; decode: int8 %.1f tok/s, fp32 model %.1f tok/s",
                                built, try Self.speed(q, prompt), try Self.speed(m.transformer, prompt)))
    }

    /// Greedy decode speed (tokens/s) over 16 steps after the prompt.
    static func speed(_ model: DecodingModel, _ prompt: [Int32]) throws -> Double {
        let cache = KVCache(config: model.config, capacity: prompt.count + 17)
        var logits = try model.prefill(prompt, cache: cache)
        let t0 = Date()
        for _ in 0..<16 {
            let next = Int32(logits.indices.max { logits[$0] < logits[$1] }!)
            logits = try model.decodeStep(next, cache: cache)
        }
        return 16 / max(Date().timeIntervalSince(t0), 1e-9)
    }
}
