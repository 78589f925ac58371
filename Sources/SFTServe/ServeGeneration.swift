// The model work of one completion request, run on the ModelWorker holding the gate: read the live view,
// pick the weights the request names, render the prompt with the model's chat template (chat) or tokenize it
// as it is (text completion), check it fits the context, then Generator.continueTokens, the code `ask` runs,
// with the request's sampling over the session's settings. Events go back to the HTTP side as they happen.
import Foundation
import SFT

enum GenerationEvent: Sendable {
    /// The request is valid and generation begins (status 200 from here on).
    case started(model: String, promptTokens: Int)
    case text(String)
    case finished(completionTokens: Int, finishReason: String)
    case failed(APIError)
}

/// One request's input, chat or raw text.
enum GenerationInput: Sendable {
    case chat([Message])
    case text(String)
}

enum ServeGeneration {
    /// Runs one request and reports through `emit`. `rng` is the server's own generator (a request without
    /// `seed` draws from it; the session's generator is never touched).
    static func run(_ input: GenerationInput, model requested: String?, sampling f: SamplingFields, view: LiveModelView?,
                    job: ModelJob, rng: inout RNG, emit: (GenerationEvent) -> Void) {
        if job.cancelled { return emit(.failed(.stopping)) }
        guard let view else { return emit(.failed(.noModel)) }
        do {
            let checkpoint = try view.resolve(requested)
            let m = view.model
            let prompt: [Int32]
            switch input {
            case .chat(var messages):
                if let system = view.system, !messages.contains(where: { $0.role == .system }) {
                    messages.insert(Message(.system, system), at: 0)
                }
                do { prompt = try m.prompt(messages) } catch let e as SFTError {
                    throw APIError(400, "the messages cannot be rendered with the model's chat template: \(e.message)", param: "messages", code: "invalid_value")
                }
            case .text(let s):
                prompt = m.tokenizer.encode(s)
            }
            let context = m.config.maxPositions
            if prompt.count >= context {
                throw APIError(400, "the prompt is \(prompt.count) tokens; this model's context is \(context) tokens",
                               param: "messages", code: "context_length_exceeded")
            }
            if let asked = f.maxTokens, prompt.count + asked > context {
                throw APIError(400, "the prompt (\(prompt.count) tokens) plus max_tokens (\(asked)) is over this model's context of \(context) tokens",
                               param: "max_tokens", code: "context_length_exceeded")
            }
            var sampler = view.sampler
            if let t = f.temperature { sampler.temperature = t }
            if let p = f.topP { sampler.topP = p }
            let options = GenerationOptions(sampler: sampler, maxTokens: f.maxTokens ?? view.maxTokens)
            var local = f.seed.map { RNG(seed: $0) }
            emit(.started(model: checkpoint.map { "ckpt:\($0 + 1)" } ?? view.modelID, promptTokens: prompt.count))
            var stops = StopMatcher(f.stop)
            let r = try view.withWeights(checkpoint) { runner -> GenerationResult in
                func generate(_ g: inout RNG) throws -> GenerationResult {
                    try Generator.continueTokens(model: m, prompt: prompt, options: options, rng: &g, runner: runner,
                                                 interrupt: { job.cancelled || stops.matched }) { piece in
                        let out = stops.push(piece)
                        if !out.isEmpty { emit(.text(out)) }
                    }
                }
                if local != nil { return try generate(&local!) }
                return try generate(&rng)
            }
            let tail = stops.finish()
            if !tail.isEmpty { emit(.text(tail)) }
            let reason: String
            switch r.stop {
            case .endOfTurn: reason = "stop"
            case .maxTokens, .context: reason = "length"
            case .interrupted: reason = stops.matched ? "stop" : "cancelled"
            }
            emit(.finished(completionTokens: r.tokens.count, finishReason: reason))
        } catch let e as APIError {
            emit(.failed(e))
        } catch let e as SFTError {
            emit(.failed(APIError(400, e.message + (e.hint.map { " (\($0))" } ?? ""), code: "invalid_request")))
        } catch {
            emit(.failed(APIError(500, "\(error)", type: "server_error")))
        }
    }
}

/// Stop strings over streamed text: text that might be the start of a stop string is held back until it is
/// not; at a match, the text before it is released and `matched` is set (generation ends at the next token).
struct StopMatcher {
    let stops: [String]
    private var held = ""
    private(set) var matched = false

    init(_ stops: [String]) { self.stops = stops }

    /// Text safe to send now.
    mutating func push(_ piece: String) -> String {
        if matched { return "" }
        if stops.isEmpty { return piece }
        held += piece
        if let hit = stops.compactMap({ held.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            matched = true
            let out = String(held[..<hit.lowerBound])
            held = ""
            return out
        }
        // Keep the longest suffix that is a prefix of some stop string.
        var keep = 0
        for s in stops {
            for n in stride(from: min(s.count - 1, held.count), to: 0, by: -1) where held.hasSuffix(s.prefix(n)) {
                keep = max(keep, n)
                break
            }
        }
        let out = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        return out
    }

    /// What is still held when generation ends without a match.
    mutating func finish() -> String {
        defer { held = "" }
        return matched ? "" : held
    }
}
