// ExportChatTemplate: what the exporters (LLaMA-Factory jobs, Ollama Modelfiles) need to know about the chat
// templates sft renders natively: the other tool's name for the template, the default system message the HF
// template inserts when a conversation has none, the end-of-turn stop words, and the Ollama Go template.
// It does not render tokens: Tokenizer/ does that. The texts here match the HF chat templates:
//   ChatML (SmolLM2, Qwen2, Qwen2.5):  <|im_start|>{role}\n{content}<|im_end|>\n ... <|im_start|>assistant\n
//   Llama-3:  <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> ...
//             <|start_header_id|>assistant<|end_header_id|>\n\n

public enum ExportChatTemplate: String, CaseIterable, Sendable {
    case chatml     // plain ChatML, no default system message
    case smollm2    // ChatML; default system "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    case qwen2      // ChatML; default system "You are a helpful assistant."
    case qwen25     // ChatML; default system "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    case llama3     // Llama-3 headers, no default system; the runtime adds <|begin_of_text|> (BOS)

    /// Accepts the names sft's settings and model metadata use: chatml, smollm2 (or smollm), qwen2,
    /// qwen2.5 (or qwen25, qwen), llama3 (or llama-3).
    public init(named name: String) throws {
        switch name.lowercased() {
        case "chatml": self = .chatml
        case "smollm2", "smollm", "smollm2-chatml": self = .smollm2
        case "qwen2": self = .qwen2
        case "qwen2.5", "qwen25", "qwen": self = .qwen25
        case "llama3", "llama-3", "llama3.1", "llama-3.1": self = .llama3
        default:
            throw SFTError("no export for chat template '\(name)'",
                           hint: "templates that export: chatml, smollm2, qwen2, qwen2.5, llama3")
        }
    }

    /// The template name in LLaMA-Factory's src/llamafactory/data/template.py (v0.9.x).
    /// Qwen2 and Qwen2.5 share `qwen`; its default system is Qwen2.5's, which is why exports write the
    /// system message out explicitly (see `defaultSystem`).
    public var llamaFactoryName: String {
        switch self {
        case .chatml: "chatml"
        case .smollm2: "smollm2"
        case .qwen2, .qwen25: "qwen"
        case .llama3: "llama3"
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
        case .llama3: .llama3
        }
    }

    /// Texts that end a reply: the end-of-turn token first, then the end-of-text token.
    public var stopWords: [String] {
        switch self {
        case .chatml, .smollm2, .qwen2, .qwen25: ["<|im_end|>", "<|endoftext|>"]
        case .llama3: ["<|eot_id|>", "<|end_of_text|>"]
        }
    }

    /// The conversation as the HF template sees it: the default system message prepended when there is
    /// none. Exports write this, so another tool trains on the same text whatever its own default is.
    public func withDefaultSystem(_ messages: [Message]) -> [Message] {
        guard let system = defaultSystem, messages.first?.role != .system else { return messages }
        return [Message(.system, system)] + messages
    }

    /// Ollama TEMPLATE (Go text/template over .Messages). Ollama's server prepends the Modelfile's SYSTEM
    /// when a request's first message is not a system message: the same rule as the HF templates, so the
    /// default system lives in SYSTEM (OllamaModelfile writes it), not here. The generation prompt follows
    /// the last message. Llama-3 leaves out <|begin_of_text|>: llama.cpp adds BOS itself (add_bos_token).
    public var ollamaTemplate: String {
        switch self {
        case .chatml, .smollm2, .qwen2, .qwen25:
            return "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"
        case .llama3:
            return "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>"
                + "{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
        }
    }
}
