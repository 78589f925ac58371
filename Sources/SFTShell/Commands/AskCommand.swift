// `ask PROMPT`: one answer from the active model (with its active adapters), streamed as it is generated.
// Sampling options override the session's generation settings for this call only; speed goes to stderr.
import ArgumentParser
import Foundation
import SFT

/// Sampling options shared by `ask` and `chat`; each defaults to the session setting of the same name.
struct SamplingOptions: ParsableArguments {
    @Option(help: "System prompt (default: the `system` setting; empty uses the template's default).")
    var system: String?
    @Option(help: "0 = greedy; higher is more random.") var temperature: Double?
    @Option(name: .customLong("top-k"), help: "Keep the K most likely tokens (0 = off).") var topK: Int?
    @Option(name: .customLong("top-p"), help: "Keep the smallest set with probability >= P (1 = off).") var topP: Double?
    @Option(name: .customLong("min-p"), help: "Drop tokens below P x the top probability (0 = off).") var minP: Double?
    @Option(name: .customLong("repetition-penalty"), help: "> 1 discourages repeating tokens (1 = off).") var repetitionPenalty: Double?
    @Option(name: .customLong("max-tokens"), help: "Stop after this many new tokens.") var maxTokens: Int?
    @Option(help: "Reseed the session generator before answering.") var seed: UInt64?

    /// Validates the overrides through the settings (same ranges and messages as `set`).
    func resolve(_ session: Session) throws -> (GenerationOptions, String?) {
        var s = session.settings
        if let v = temperature { try s.set("temperature", String(v)) }
        if let v = topK { try s.set("top-k", String(v)) }
        if let v = topP { try s.set("top-p", String(v)) }
        if let v = minP { try s.set("min-p", String(v)) }
        if let v = repetitionPenalty { try s.set("repetition-penalty", String(v)) }
        if let v = maxTokens { try s.set("max-tokens", String(v)) }
        if let seed { session.rng = RNG(seed: seed) }
        let sampler = SamplerConfig(temperature: Float(s.double("temperature")), topK: s.int("top-k"), topP: Float(s.double("top-p")),
                                    minP: Float(s.double("min-p")), repetitionPenalty: Float(s.double("repetition-penalty")))
        let sys = system ?? s.string("system")
        return (GenerationOptions(sampler: sampler, maxTokens: s.int("max-tokens")), sys.isEmpty ? nil : sys)
    }
}

struct AskCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Answer one prompt with the active model (and active adapters).")

    @OptionGroup var sampling: SamplingOptions

    @Argument(help: "The prompt (quote it, or give several words).")
    var words: [String] = []

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        guard !words.isEmpty else { throw SFTError("no prompt given", hint: "ask \"What is the capital of France?\"") }
        let (options, system) = try sampling.resolve(session)
        var messages: [Message] = []
        if let system { messages.append(Message(.system, system)) }
        messages.append(Message(.user, words.joined(separator: " ")))
        let r = try Generator.reply(model: m, messages: messages, options: options, rng: &session.rng,
                                       runner: session.repoState.int8) { session.out.write($0) }
        session.out.print()
        session.out.note(Self.speedLine(r))
    }

    static func speedLine(_ r: GenerationResult) -> String {
        String(format: "[%d prompt tokens at %.0f tok/s, %d new tokens at %.1f tok/s, stopped: %@]",
               r.promptTokens, r.prefillTokensPerSecond, r.tokens.count, r.decodeTokensPerSecond, r.stop.rawValue)
    }
}
