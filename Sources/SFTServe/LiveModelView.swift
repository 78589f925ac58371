// What the server answers with: the session's live model as `ask` would use it, read afresh for every request
// while the request holds the LiveModelGate (so `lora off`, `checkpoint use`, `quantize int8` or a new model
// apply to the next request, never to half of one). The shell builds it from its Session; `sft serve` too.
import Foundation
import SFT

public struct LiveModelView {
    public var model: ChatModel
    /// Answers instead of the model's own Transformer: the int8 copy after `quantize int8` (ask's runner).
    public var runner: DecodingModel?
    /// The training run, for `ckpt:N` (its checkpoints); nil without one.
    public var run: TrainingRun?
    /// The session's generation settings: what a request does not set is what `ask` would use.
    public var sampler: SamplerConfig
    public var maxTokens: Int
    /// The `system` setting (nil when empty): added when a request has no system message, as `ask` does.
    public var system: String?

    public init(model: ChatModel, runner: DecodingModel?, run: TrainingRun?, sampler: SamplerConfig, maxTokens: Int, system: String?) {
        self.model = model
        self.runner = runner
        self.run = run
        self.sampler = sampler
        self.maxTokens = maxTokens
        self.system = system
    }

    /// The id /v1/models lists for the live model.
    public var modelID: String { model.name }

    /// Every id a request may name: the live model, then `ckpt:1`...`ckpt:N`.
    public var modelIDs: [String] { [modelID] + (run?.checkpoints.indices.map { "ckpt:\($0 + 1)" } ?? []) }

    /// Which weights a request's `model` names: nil = live, else a 0-based checkpoint index.
    func resolve(_ requested: String?) throws -> Int? {
        guard let name = requested, !name.isEmpty, name != modelID else { return nil }
        if name.hasPrefix("ckpt:"), let n = Int(name.dropFirst(5)), let r = run, r.checkpoints.indices.contains(n - 1) {
            return n - 1
        }
        throw APIError.unknownModel(name, known: modelIDs)
    }

    /// Runs `body` with the weights `checkpoint` names (the live ones for nil) and the runner that goes with
    /// them (a checkpoint answers in fp32: the int8 copy was made from the live weights).
    func withWeights<T>(_ checkpoint: Int?, _ body: (DecodingModel?) throws -> T) throws -> T {
        guard let k = checkpoint, let r = run else { return try body(runner) }
        return try r.withCheckpoint(k + 1) { try body(nil) }
    }
}
