// ChatTemplate: the chat formats sft renders natively (no template engine): ChatML with an optional default
// system prompt (SmolLM2, Qwen2, Qwen2.5), Qwen3 (think blocks), Llama-3, Gemma 3, Llama-2 and Mistral [INST].
// Detects the kind from a model's Jinja template text, renders the exact string HF's apply_chat_template produces
// (ChatTemplateFormats.swift), and tokenizes it with the per-token trained mask.
//
// Loss mask (what SFT trains): each assistant reply and its end-of-turn token (<|im_end|>, <|eot_id|>,
// <end_of_turn>, </s>) unless the reply is marked untrained (weight 0), as TRL's assistant-only loss does; not the
// role header, not the "\n" after the end-of-turn token, not system/user turns. Qwen3's think block belongs to the
// reply; Llama-2 and Mistral replies include the " " that opens them (SentencePiece merges it into the first word).
// The text is tokenized whole (so ids equal HF's), and a token is trained when its first byte lies in a trained
// span; a token straddling a header and a reply (only "\n\n" when a ChatML reply starts with "\n") is not trained.

public enum ChatTemplateKind: Equatable, Hashable, Sendable {
    /// <|im_start|>role\ncontent<|im_end|>\n ...; defaultSystem is inserted when the first message is not system.
    case chatml(defaultSystem: String?)
    /// <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent(trimmed)<|eot_id|> ... (Llama-3.0).
    case llama3
    /// Llama-3.1/3.2/3.3 without tools: as llama3, but a system header always comes first, with "Cutting Knowledge
    /// Date: December 2023\nToday Date: 26 Jul 2024\n\n" before the (trimmed) system message, empty or not.
    case llama31
    /// ChatML with Qwen3's think blocks: replies after the last user turn carry <think>\nreasoning\n</think>\n\n (empty
    /// for the last reply without reasoning), earlier replies drop theirs; generation prompts are non-thinking
    /// (enable_thinking=False: "<|im_start|>assistant\n<think>\n\n</think>\n\n").
    case qwen3
    /// <bos><start_of_turn>user\n[system\n\n]content<end_of_turn>\n<start_of_turn>model\n...; contents trimmed.
    case gemma3
    /// <s>[INST] [<<SYS>>\nsystem\n<</SYS>>\n\n]user [/INST] reply </s><s>[INST] ... (Llama-2-chat); contents stripped.
    case llama2
    /// <s> [INST] [system\n\n]user [/INST] reply</s> [INST] ... (Mistral-7B-Instruct v0.1/v0.2).
    case mistral

    public static let smolLM2 = ChatTemplateKind.chatml(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    public static let qwen2 = ChatTemplateKind.chatml(defaultSystem: "You are a helpful assistant.")
    public static let qwen25 = ChatTemplateKind.chatml(defaultSystem: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    public static let plainChatML = ChatTemplateKind.chatml(defaultSystem: nil)

    /// Names the shell accepts, for hints.
    public static let names = "smollm2, qwen2, qwen2.5, qwen3, chatml, llama3, llama3.1, gemma3, llama2, mistral"

    /// Short name for the shell: one of `names`.
    public var name: String {
        switch self {
        case .llama3: return "llama3"
        case .llama31: return "llama3.1"
        case .qwen3: return "qwen3"
        case .gemma3: return "gemma3"
        case .llama2: return "llama2"
        case .mistral: return "mistral"
        case .chatml(let s):
            switch s {
            case ChatTemplateKind.smolLM2.defaultSystem: return "smollm2"
            case ChatTemplateKind.qwen2.defaultSystem: return "qwen2"
            case ChatTemplateKind.qwen25.defaultSystem: return "qwen2.5"
            default: return "chatml"
            }
        }
    }

    public var defaultSystem: String? {
        if case .chatml(let s) = self { return s }
        return nil
    }

    /// The token that ends every turn, and is trained after assistant replies ("</s>": the tokenizer's EOS).
    public var endOfTurn: String {
        switch self {
        case .chatml, .qwen3: return "<|im_end|>"
        case .llama3, .llama31: return "<|eot_id|>"
        case .gemma3: return "<end_of_turn>"
        case .llama2, .mistral: return "</s>"
        }
    }

    /// From a name the shell accepts (see `names`).
    public init(name: String) throws {
        switch name.lowercased() {
        case "smollm2", "smollm": self = .smolLM2
        case "qwen2": self = .qwen2
        case "qwen2.5", "qwen25": self = .qwen25
        case "qwen3": self = .qwen3
        case "chatml": self = .plainChatML
        case "llama3", "llama-3": self = .llama3
        case "llama3.1", "llama-3.1", "llama31", "llama3.2", "llama-3.2", "llama3.3", "llama-3.3": self = .llama31
        case "gemma3", "gemma-3", "gemma": self = .gemma3
        case "llama2", "llama-2": self = .llama2
        case "mistral": self = .mistral
        default: throw SFTError("unknown chat template '\(name)'", hint: "use one of: \(Self.names)")
        }
    }

    /// Recognises a model's Jinja chat template (GGUF tokenizer.chat_template, tokenizer_config.json chat_template).
    /// Throws for templates it does not know; see detectOrFallback for model loading.
    public static func detect(templateText t: String) throws -> ChatTemplateKind {
        if t.contains("<|start_header_id|>") && t.contains("<|eot_id|>") {
            // Llama-3.1/3.2/3.3 write the date header (their tools branch is refused at render time)
            return t.contains("Cutting Knowledge Date") ? .llama31 : .llama3
        }
        if t.contains("<|im_start|>") && t.contains("<|im_end|>") {
            if t.contains("<think>") {
                if t.contains("enable_thinking") && t.contains("reasoning_content") { return .qwen3 }
                throw SFTError("unrecognised ChatML template with <think> blocks (not Qwen3's)",
                               hint: "sft renders Qwen3's thinking template; choose a template by name: \(names)")
            }
            return .chatml(defaultSystem: defaultSystemPrompt(in: t))
        }
        if t.contains("<start_of_turn>") && t.contains("first_user_prefix") { return .gemma3 }
        if t.contains("[INST]") && t.contains("<<SYS>>") { return .llama2 }
        if t.contains("' [INST] ' + system_message + '\\n\\n'") || t.contains("' [INST] ' + system_message + '\n\n'") { return .mistral }
        throw SFTError("unrecognised chat template",
                       hint: "sft renders ChatML (SmolLM2, Qwen2, Qwen2.5), Qwen3, Llama-3, Gemma 3, Llama-2 and Mistral v0.1/v0.2 templates; choose one by name: \(names)")
    }

    /// For model loading: the detected kind, or ChatML with a warning naming the fallback when the template is unknown.
    /// Templates sft knows but refuses (ChatML with another family's think blocks) still throw.
    public static func detectOrFallback(templateText t: String) throws -> (kind: ChatTemplateKind, warning: String?) {
        do {
            return (try detect(templateText: t), nil)
        } catch let e as SFTError where e.message.hasPrefix("unrecognised") {
            return (.plainChatML, "the model's chat template is not one sft knows; falling back to plain ChatML "
                    + "(<|im_start|>role ... <|im_end|>), which may not match how the model was trained. "
                    + "Choose one with `model load PATH --template NAME` (\(names))")
        }
    }

    /// The literal text in `<|im_start|>system\n...<|im_end|>` inside a Jinja string, if the template has one.
    static func defaultSystemPrompt(in t: String) -> String? {
        var rest = t[...]
        while let r = rest.range(of: "<|im_start|>system") {
            var after = rest[r.upperBound...]
            if after.hasPrefix("\\n") { after = after.dropFirst(2) } else if after.hasPrefix("\n") { after = after.dropFirst() }
            else { rest = after; continue }
            if let end = after.range(of: "<|im_end|>") {
                let body = after[..<end.lowerBound]
                if !body.isEmpty && !body.contains("'") && !body.contains("\"") && !body.contains("+") && !body.contains("{") {
                    return body.replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            rest = after
        }
        return nil
    }

    /// The exact string HF apply_chat_template(tokenize=False) returns; bos/eos default to each format's own tokens.
    public func renderText(_ messages: [Message], tools: [String] = [], addGenerationPrompt: Bool,
                           bos: String? = nil, eos: String? = nil) throws -> String {
        try renderWithSpans(messages, tools: tools, addGenerationPrompt: addGenerationPrompt,
                            bos: bos ?? defaultBOS, eos: eos ?? "</s>").0
    }

    var defaultBOS: String {
        switch self {
        case .gemma3: return "<bos>"
        case .llama2, .mistral: return "<s>"
        default: return "<|begin_of_text|>"
        }
    }

    /// Token ids (HF's, special tokens parsed) and per-token trained mask.
    public func render(_ messages: [Message], tools: [String] = [], addGenerationPrompt: Bool, tokenizer: BPETokenizer) throws -> RenderedChat {
        let usesTools = !tools.isEmpty || messages.contains { $0.role == .tool || !($0.toolCalls ?? []).isEmpty }
        if usesTools && self != .qwen25 {
            throw SFTError("the \(name) chat template has no tool-calling format, so samples with tools cannot be rendered",
                           hint: "tool calls render in Qwen2.5's format: load a Qwen2.5 model, or drop the samples with tools")
        }
        for special in requiredTokens where tokenizer.id(of: special) == nil {
            throw SFTError("the \(name) chat template needs token \(special), which this vocabulary lacks",
                           hint: "choose the template that matches the model (\(Self.names))")
        }
        let bos = tokenizer.bosId.map { tokenizer.piece($0) } ?? defaultBOS
        var eos = "</s>"
        if self == .llama2 || self == .mistral {
            guard tokenizer.bosId != nil, let e = tokenizer.eosId else {
                throw SFTError("the \(name) chat template writes BOS and EOS tokens, which this vocabulary does not name",
                               hint: "a GGUF needs tokenizer.ggml.bos_token_id and eos_token_id, an HF directory bos_token and eos_token in tokenizer_config.json; or choose another template (\(Self.names))")
            }
            eos = tokenizer.piece(e)
        }
        let (text, spans) = try renderWithSpans(messages, tools: tools, addGenerationPrompt: addGenerationPrompt, bos: bos, eos: eos)
        let (ids, starts) = tokenizer.encodeWithOffsets(text, parseSpecial: true)
        var mask = [Bool](repeating: false, count: ids.count)
        var s = 0
        for (i, start) in starts.enumerated() {
            while s < spans.count && spans[s].upperBound <= start { s += 1 }
            mask[i] = s < spans.count && spans[s].contains(start)
        }
        return RenderedChat(tokens: ids, trained: mask)
    }

    var requiredTokens: [String] {
        switch self {
        case .chatml, .qwen3: return ["<|im_start|>", "<|im_end|>"]
        case .llama3, .llama31: return ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        case .gemma3: return ["<start_of_turn>", "<end_of_turn>"]
        case .llama2, .mistral: return []
        }
    }

    /// Ids that end generation: the end-of-turn token and the tokenizer's EOS (deduplicated, in that order).
    public func stopTokens(tokenizer: BPETokenizer) -> [Int32] {
        var ids: [Int32] = []
        let names: [String]
        switch self {
        case .llama3, .llama31: names = ["<|eot_id|>", "<|end_of_text|>"]
        case .chatml, .qwen3: names = ["<|im_end|>", "<|endoftext|>"]
        case .gemma3: names = ["<end_of_turn>", "<eos>"]
        case .llama2, .mistral: names = []
        }
        for n in names { if let id = tokenizer.id(of: n), !ids.contains(id) { ids.append(id) } }
        if let e = tokenizer.eosId, !ids.contains(e) { ids.append(e) }
        return ids
    }
}
