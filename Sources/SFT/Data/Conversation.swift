// The one typed model every dataset format loads into, and every chat template renders from:
// an optional system message, then user/assistant turns that alternate and end with the assistant.

public enum Role: String, Codable, Sendable, CaseIterable {
    /// `tool` answers an assistant's tool call (ToolCalls.swift); only templates with a tool format render it.
    case system, user, assistant, tool
}

public struct Message: Codable, Equatable, Hashable, Sendable {
    public var role: Role
    public var content: String
    /// False for an assistant message shown to the model but not trained (OpenAI "weight": 0,
    /// LLaMA-Factory "loss_weight": 0); meaningless for other roles.
    public var trained: Bool = true
    /// An assistant message's function calls, and the id of the call a `tool` message answers.
    public var toolCalls: [ToolCall]?
    public var toolCallId: String?
    /// An assistant message's reasoning (OpenAI-style "reasoning_content"), rendered by templates that show it (Qwen3).
    public var reasoning: String?
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
    enum CodingKeys: String, CodingKey { case role, content, trained, toolCalls, toolCallId, reasoning }
    /// `trained` is optional in stored sessions (older ones have none).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(Role.self, forKey: .role)
        content = try c.decode(String.self, forKey: .content)
        trained = try c.decodeIfPresent(Bool.self, forKey: .trained) ?? true
        toolCalls = try c.decodeIfPresent([ToolCall].self, forKey: .toolCalls)
        toolCallId = try c.decodeIfPresent(String.self, forKey: .toolCallId)
        reasoning = try c.decodeIfPresent(String.self, forKey: .reasoning)
    }
}

public struct Conversation: Codable, Equatable, Hashable, Sendable {
    public var messages: [Message]
    /// Function definitions the sample offers the model (JSON text each, see ToolCalls.swift); nil without tools.
    public var tools: [String]?
    /// Where it came from, for error messages and `data show`: file and line (or row).
    public var source: String?
    public var line: Int?

    public init(_ messages: [Message], source: String? = nil, line: Int? = nil) {
        self.messages = messages
        self.source = source
        self.line = line
    }

    public var system: String? { messages.first?.role == .system ? messages.first?.content : nil }
    /// Whether rendering needs a template with a tool format.
    public var usesTools: Bool { !(tools ?? []).isEmpty || messages.contains { $0.role == .tool || !($0.toolCalls ?? []).isEmpty } }
    /// User/assistant turns, without the system message.
    public var turns: [Message] { messages.filter { $0.role != .system } }
}

/// A rendered chat: token ids and, per token, whether training computes loss on it
/// (assistant replies and their end-of-turn token).
public struct RenderedChat: Equatable, Sendable {
    public var tokens: [Int32]
    public var trained: [Bool]
    public init(tokens: [Int32], trained: [Bool]) {
        precondition(tokens.count == trained.count)
        self.tokens = tokens
        self.trained = trained
    }
    public var trainedCount: Int { trained.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
