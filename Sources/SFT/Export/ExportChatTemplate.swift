// ExportChatTemplate: what the exporters (LLaMA-Factory jobs, Ollama Modelfiles) need to know about the chat
// templates sft renders natively: the other tool's name for the template, the default system message the HF
// template inserts when a conversation has none, the end-of-turn stop words. The Ollama Go templates are in
// ExportOllamaTemplates.swift. It does not render tokens: Tokenizer/ does that. The HF texts they follow:
//   ChatML (SmolLM2, Qwen2, Qwen2.5):  <|im_start|>{role}\n{content}<|im_end|>\n ... <|im_start|>assistant\n
//   Qwen3:    ChatML; the non-thinking generation prompt is <|im_start|>assistant\n<think>\n\n</think>\n\n
//   Llama-3:  <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> ...
//             <|start_header_id|>assistant<|end_header_id|>\n\n
//   Gemma 3:  <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n{reply}<end_of_turn>\n
//             ... <start_of_turn>model\n   (roles user and model; the system message folded into the first user turn)
//   Llama-2:  <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {reply} </s><s>[INST] {user} [/INST]
//   Mistral:  <s> [INST] {system}\n\n{user} [/INST] {reply}</s> [INST] {user} [/INST]   (v0.1/v0.2)

public enum ExportChatTemplate: String, CaseIterable, Sendable {
    case chatml     // plain ChatML, no default system message
    case smollm2    // ChatML; default system "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    case qwen2      // ChatML; default system "You are a helpful assistant."
    case qwen25     // ChatML; default system "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    case qwen3      // ChatML with think blocks, no default system
    case llama3     // Llama-3 headers, no default system; the runtime adds <|begin_of_text|> (BOS)
    case llama31    // Llama-3.1/3.2/3.3: Llama-3 headers after a system block with the date header, always
    case gemma3     // Gemma 3 turns, no default system
    case llama2     // Llama-2-chat [INST] with <<SYS>>, no default system
    case mistral    // Mistral-7B-Instruct v0.1/v0.2 [INST], no default system

    static let names = "chatml, smollm2, qwen2, qwen2.5, qwen3, llama3, llama3.1, gemma3, llama2, mistral"

    /// Accepts the names sft's settings and model metadata use: ChatTemplateKind(name:) and its aliases (one table
    /// for both), plus "qwen" (LLaMA-Factory's name) and "smollm2-chatml"; a kind with no case here has no export.
    public init(named name: String) throws {
        let lower = name.lowercased()
        let alias = ["qwen": "qwen2.5", "smollm2-chatml": "smollm2"][lower] ?? lower
        guard let kind = try? ChatTemplateKind(name: alias), let t = Self.allCases.first(where: { $0.native == kind }) else {
            throw SFTError("no export for chat template '\(name)'", hint: "templates that export: \(Self.names)")
        }
        self = t
    }

    /// The template name in LLaMA-Factory's src/llamafactory/data/template.py (v0.9.x).
    /// Qwen2 and Qwen2.5 share `qwen`; its default system is Qwen2.5's, which is why exports write the
    /// system message out explicitly (see `defaultSystem`).
    public var llamaFactoryName: String {
        switch self {
        case .chatml: "chatml"
        case .smollm2: "smollm2"
        case .qwen2, .qwen25: "qwen"
        case .qwen3: "qwen3"
        case .llama3: "llama3"
        case .llama31: "llama3"   // LLaMA-Factory's llama3 writes no date header (docs/llamafactory-mapping.md)
        case .gemma3: "gemma3"
        case .llama2: "llama2"
        case .mistral: "mistral"
        }
    }

    /// The system message the HF chat template inserts when the first message is not a system message.
    /// (SmolLM2's has no final period; LLaMA-Factory's `smollm2` template adds one, another reason exports
    /// write it out.)
    public var defaultSystem: String? { native.defaultSystem }

    /// The template sft renders natively for this name; the default system prompts live there, once.
    public var native: ChatTemplateKind {
        switch self {
        case .chatml: .plainChatML
        case .smollm2: .smolLM2
        case .qwen2: .qwen2
        case .qwen25: .qwen25
        case .qwen3: .qwen3
        case .llama3: .llama3
        case .llama31: .llama31
        case .gemma3: .gemma3
        case .llama2: .llama2
        case .mistral: .mistral
        }
    }

    /// Texts that end a reply: the end-of-turn token first, then the end-of-text token. Llama-2 and Mistral end a
    /// reply with EOS itself; "[INST]" stops a reply that runs on into a new user turn (as Ollama's own Modelfiles do).
    public var stopWords: [String] {
        switch self {
        case .chatml, .smollm2, .qwen2, .qwen25, .qwen3: ["<|im_end|>", "<|endoftext|>"]
        case .llama3, .llama31: ["<|eot_id|>", "<|end_of_text|>"]
        case .gemma3: ["<end_of_turn>", "<eos>"]
        case .llama2, .mistral: ["</s>", "[INST]"]
        }
    }

    /// The conversation as the HF template sees it: the default system message prepended when there is
    /// none. Exports write this, so another tool trains on the same text whatever its own default is.
    public func withDefaultSystem(_ messages: [Message]) -> [Message] {
        guard let system = defaultSystem, messages.first?.role != .system else { return messages }
        return [Message(.system, system)] + messages
    }

    /// An assistant message's text for a tool that reads reasoning from the content: Qwen3's
    /// "<think>\n{reasoning}\n</think>\n\n{content}" when the message carries reasoning (LLaMA-Factory's qwen3
    /// template takes the think block from there); the content as it is otherwise.
    public func exportedContent(_ m: Message) -> String {
        guard self == .qwen3, m.role == .assistant, let r = m.reasoning, !r.isEmpty else { return m.content }
        return "<think>\n" + r + "\n</think>\n\n" + m.content
    }
}
