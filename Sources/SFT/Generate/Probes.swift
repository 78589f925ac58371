// Probes: prompts the person wants to watch while training. Each holds its messages (an optional system prompt
// and the user turns, or a dataset sample's turns up to its last reply), the sample's reference answer when it
// came from data, the base model's answer remembered when it was added, and the last answer shown, so the shell
// can print what changed after each `train`. Answers are greedy and short, so they are reproducible.
import Foundation

public struct Probe: Codable, Equatable, Sendable {
    public var messages: [Message]
    public var reference: String?      // the sample's own answer (`probe add --from`)
    public var source: String?         // "NAME #K" for a sample
    public var baseAnswer: String?     // the base model's answer when the probe was added
    public var lastAnswer: String?     // the answer shown last time
    public init(messages: [Message], reference: String? = nil, source: String? = nil) {
        self.messages = messages; self.reference = reference; self.source = source
    }

    /// The last user turn, as the probe is listed.
    public var prompt: String { messages.last { $0.role == .user }?.content ?? "" }
    public var system: String? { messages.first?.role == .system ? messages.first?.content : nil }

    /// A probe from a conversation: every message before its last assistant reply, that reply as reference.
    public static func from(_ c: Conversation, source: String) throws -> Probe {
        guard let last = c.messages.lastIndex(where: { $0.role == .assistant }), last > 0 else {
            throw SFTError("\(source) has no assistant reply to compare with", hint: "pick a sample with a question and an answer")
        }
        return Probe(messages: Array(c.messages[..<last]), reference: c.messages[last].content, source: source)
    }
}

public struct ProbeSet: Codable, Equatable, Sendable {
    public var probes: [Probe] = []
    public init() {}

    public var isEmpty: Bool { probes.isEmpty }

    /// A new model makes the remembered answers meaningless.
    public mutating func forgetBaseAnswers() {
        for i in probes.indices { probes[i].baseAnswer = nil; probes[i].lastAnswer = nil }
    }

    /// Removes probe `number` (1-based) or all with nil.
    public mutating func remove(_ number: Int?) throws {
        guard let number else { probes = []; return }
        guard probes.indices.contains(number - 1) else {
            throw SFTError("there is no probe \(number)", hint: probes.isEmpty ? "`probe add PROMPT` adds one" : "`probe list` shows probes 1 to \(probes.count)")
        }
        probes.remove(at: number - 1)
    }

    /// The greedy answer of `model` (on one line, at most `maxTokens`), and its mean log-probability per token.
    public static func answer(_ model: ChatModel, _ messages: [Message], maxTokens: Int = 48) throws -> GenerationResult {
        var rng = RNG(seed: 0)
        var r = try Generator.reply(model: model, messages: messages, options: GenerationOptions(sampler: .greedy, maxTokens: maxTokens), rng: &rng)
        r.text = r.text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return r
    }

    /// Every probe's answer now, in order.
    public func answers(_ model: ChatModel) throws -> [String] {
        try probes.map { try Self.answer(model, $0.messages).text }
    }
}
