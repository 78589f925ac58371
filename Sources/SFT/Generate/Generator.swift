// Generator: answers a chat with the active model: render the prompt with the chat template, prefill the KV
// cache, then sample token by token until an end-of-turn token, the token limit, the context end or Ctrl-C.
// Text is streamed through StreamDecoder, so a caller printing `onText` never shows half a UTF-8 character.
// `interrupt` is polled before each token: Ctrl-C for the shell; `serve` passes its own (a client that went
// away, a stop string seen), so Ctrl-C at the shell never cuts a server's answer short.
import Foundation

public struct GenerationOptions: Sendable {
    public var sampler: SamplerConfig
    public var maxTokens: Int
    public init(sampler: SamplerConfig = .greedy, maxTokens: Int = 256) {
        self.sampler = sampler
        self.maxTokens = maxTokens
    }
}

public struct GenerationResult: Sendable {
    public enum Stop: String, Sendable { case endOfTurn = "end of turn", maxTokens = "max tokens", context = "context full", interrupted }
    public var text: String
    public var tokens: [Int32]          // generated ids, without the stop token
    public var promptTokens: Int
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    public var stop: Stop
    /// Sum over the generated tokens of log p(token) under the model's own distribution (before sampling
    /// settings), so `meanLogProb` says how sure the model was of its answer.
    public var logProbSum: Double = 0
    public var meanLogProb: Double { tokens.isEmpty ? 0 : logProbSum / Double(tokens.count) }

    public var prefillTokensPerSecond: Double { Double(promptTokens) / max(prefillSeconds, 1e-9) }
    /// Decode speed counts the tokens after the first (the first comes from the prefill logits).
    public var decodeTokensPerSecond: Double { Double(max(0, tokens.count - 1)) / max(decodeSeconds, 1e-9) }
}

public enum Generator {
    /// Generates the assistant's reply to `messages`. `rng` is the session generator (used when temperature > 0).
    /// `runner` answers instead of the model's own Transformer when given (e.g. `quantize int8`'s copy); the
    /// tokenizer, template and stop tokens are always the model's.
    public static func reply(model: ChatModel, messages: [Message], options: GenerationOptions, rng: inout RNG,
                             runner: DecodingModel? = nil, interrupt: () -> Bool = { Cancellation.requested },
                             onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        let prompt = try model.prompt(messages)
        return try continueTokens(model: model, prompt: prompt, options: options, rng: &rng, runner: runner,
                                  interrupt: interrupt, onText: onText)
    }

    /// Generates after raw prompt ids (tests compare this with HF's greedy continuation).
    public static func continueTokens(model: ChatModel, prompt: [Int32], options: GenerationOptions, rng: inout RNG,
                                      runner: DecodingModel? = nil, interrupt: () -> Bool = { Cancellation.requested },
                                      onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        let net: DecodingModel = runner ?? model.transformer
        let context = model.config.maxPositions
        if prompt.count >= context {
            throw SFTError("the prompt is \(Format.count(prompt.count, "token")), the model's context is \(context)", hint: "shorten the prompt or the system message")
        }
        let capacity = min(context, prompt.count + options.maxTokens)
        let cache = KVCache(config: model.config, capacity: capacity)
        let stops = Set(model.stopTokens)
        var decoder = StreamDecoder(tokenizer: model.tokenizer, skipSpecial: true)
        var seen = prompt
        var out: [Int32] = []
        var stop = GenerationResult.Stop.maxTokens
        var logProbSum = 0.0

        let t0 = Date()
        var logits = try net.prefill(prompt, cache: cache)
        let prefill = Date().timeIntervalSince(t0)
        let t1 = Date()
        while true {
            if interrupt() { stop = .interrupted; break }
            let next = Sampler.sample(logits: logits, seen: seen, config: options.sampler, rng: &rng)
            if stops.contains(next) { stop = .endOfTurn; break }
            out.append(next)
            seen.append(next)
            logProbSum += Self.logProb(of: next, in: logits)
            onText(decoder.push(next))
            if out.count >= options.maxTokens { stop = .maxTokens; break }
            if cache.length >= capacity { stop = .context; break }
            logits = try net.decodeStep(next, cache: cache)
        }
        onText(decoder.finish())
        let decode = Date().timeIntervalSince(t1)
        return GenerationResult(text: model.tokenizer.decode(out, skipSpecial: true), tokens: out, promptTokens: prompt.count,
                                prefillSeconds: prefill, decodeSeconds: decode, stop: stop, logProbSum: logProbSum)
    }

    /// log softmax(logits)[id], in Double for the sum.
    static func logProb(of id: Int32, in logits: [Float]) -> Double {
        guard logits.indices.contains(Int(id)) else { return -.infinity }
        var mx = -Float.infinity
        for x in logits where x > mx { mx = x }
        var sum = 0.0
        for x in logits { sum += Foundation.exp(Double(x - mx)) }
        return Double(logits[Int(id)] - mx) - Foundation.log(sum)
    }
}
