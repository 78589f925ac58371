// The one typed model every dataset format loads into, and every chat template renders from:
// an optional system message, then user/assistant turns that alternate and end with the assistant.

public enum Role: String, Codable, Sendable, CaseIterable {
    case system, user, assistant
}

public struct Message: Codable, Equatable, Hashable, Sendable {
    public var role: Role
    public var content: String
    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

public struct Conversation: Codable, Equatable, Hashable, Sendable {
    public var messages: [Message]
    /// Where it came from, for error messages and `data show`: file and line (or row).
    public var source: String?
    public var line: Int?

    public init(_ messages: [Message], source: String? = nil, line: Int? = nil) {
        self.messages = messages
        self.source = source
        self.line = line
    }

    public var system: String? { messages.first?.role == .system ? messages.first?.content : nil }
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
