// ChatTemplate: the chat formats sft renders natively (no template engine): ChatML with an optional default
// system prompt (SmolLM2, Qwen2, Qwen2.5) and Llama-3. Detects the kind from a model's Jinja template text,
// renders the exact string HF's apply_chat_template produces, and tokenizes it with the per-token trained mask.
//
// Loss mask (what SFT trains): each assistant reply's content and its end-of-turn token (<|im_end|> / <|eot_id|>)
// unless the reply is marked untrained (weight 0),
// as TRL's assistant-only loss does; not the role header, not the "\n" after <|im_end|>, not system/user turns.
// The text is tokenized whole (so ids equal HF's), and a token is trained when its first byte lies in a trained
// span; a token straddling a header and a reply (only "\n\n" when a ChatML reply starts with "\n") is not trained.

public enum ChatTemplateKind: Equatable, Hashable, Sendable {
    /// <|im_start|>role\ncontent<|im_end|>\n ...; defaultSystem is inserted when the first message is not system.
    case chatml(defaultSystem: String?)
    /// <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\ncontent(trimmed)<|eot_id|> ... (Llama-3.0).
    case llama3

    public static let smolLM2 = ChatTemplateKind.chatml(defaultSystem: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
    public static let qwen2 = ChatTemplateKind.chatml(defaultSystem: "You are a helpful assistant.")
    public static let qwen25 = ChatTemplateKind.chatml(defaultSystem: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
    public static let plainChatML = ChatTemplateKind.chatml(defaultSystem: nil)

    /// Short name for the shell: smollm2, qwen2, qwen2.5, chatml, llama3.
    public var name: String {
        switch self {
        case .llama3: return "llama3"
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

    /// The token that ends every turn, and is trained after assistant replies.
    public var endOfTurn: String {
        switch self { case .chatml: return "<|im_end|>"; case .llama3: return "<|eot_id|>" }
    }

    /// From a name the shell accepts (see `name`).
    public init(name: String) throws {
        switch name.lowercased() {
        case "smollm2", "smollm": self = .smolLM2
        case "qwen2": self = .qwen2
        case "qwen2.5", "qwen25": self = .qwen25
        case "chatml": self = .plainChatML
        case "llama3", "llama-3": self = .llama3
        default: throw SFTError("unknown chat template '\(name)'", hint: "use one of: smollm2, qwen2, qwen2.5, chatml, llama3")
        }
    }

    /// Recognises a model's Jinja chat template (GGUF tokenizer.chat_template, tokenizer_config.json chat_template).
    public static func detect(templateText t: String) throws -> ChatTemplateKind {
        if t.contains("<|start_header_id|>") && t.contains("<|eot_id|>") {
            if t.contains("Cutting Knowledge Date") || t.contains("Environment: ipython") {
                throw SFTError("Llama-3.1/3.2 chat templates (date header, tools) are not supported",
                               hint: "sft renders the Llama-3.0 format; choose it explicitly with the template name llama3 if that is acceptable")
            }
            return .llama3
        }
        if t.contains("<|im_start|>") && t.contains("<|im_end|>") {
            return .chatml(defaultSystem: defaultSystemPrompt(in: t))
        }
        throw SFTError("unrecognised chat template (neither ChatML nor Llama-3)",
                       hint: "sft renders ChatML (SmolLM2, Qwen2, Qwen2.5) and Llama-3 templates; choose one by name: smollm2, qwen2, qwen2.5, chatml, llama3")
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

    // MARK: rendering

    /// Rendered text plus UTF-8 byte ranges that are trained.
    func renderWithSpans(_ messages: [Message], tools: [String] = [], addGenerationPrompt: Bool, bos: String) -> (String, [Range<Int>]) {
        var out = ""
        var spans: [Range<Int>] = []
        func trained(_ s: String) { let a = out.utf8.count; out += s; spans.append(a..<out.utf8.count) }
        switch self {
        case .chatml(let def):
            var skipFirst = false
            if !tools.isEmpty {
                // Qwen2.5's tools branch: the system prompt (or the default) with the function signatures after it.
                skipFirst = messages.first?.role == .system
                out += "<|im_start|>system\n" + (skipFirst ? messages[0].content : def ?? "") + Self.toolsPreamble
                for t in tools { out += "\n" + t }
                out += Self.toolsPostamble
            } else if let def, let first = messages.first, first.role != .system {
                out += "<|im_start|>system\n" + def + "<|im_end|>\n"
            }
            for (i, m) in messages.enumerated() {
                if i == 0 && skipFirst { continue }
                if m.role == .tool {
                    // Consecutive tool answers share one user turn.
                    if i == 0 || messages[i - 1].role != .tool { out += "<|im_start|>user" }
                    out += "\n<tool_response>\n" + m.content + "\n</tool_response>"
                    if i == messages.count - 1 || messages[i + 1].role != .tool { out += "<|im_end|>\n" }
                    continue
                }
                out += "<|im_start|>" + m.role.rawValue + "\n"
                var body = m.content
                if let calls = m.toolCalls, !calls.isEmpty {
                    // "<|im_start|>assistant" + ("\n" + content if any) + "\n<tool_call>...": the header's "\n" is
                    // the first one, as in the generation prompt.
                    var rest = m.content.isEmpty ? "" : "\n" + m.content
                    for c in calls { rest += "\n<tool_call>\n{\"name\": \"" + c.name + "\", \"arguments\": " + c.arguments + "}\n</tool_call>" }
                    body = String(rest.dropFirst())
                }
                if m.role == .assistant && m.trained { trained(body + "<|im_end|>") } else { out += body + "<|im_end|>" }
                out += "\n"
            }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            if !messages.isEmpty { out += bos }
            for m in messages {
                out += "<|start_header_id|>" + m.role.rawValue + "<|end_header_id|>\n\n"
                let c = Self.jinjaTrim(m.content)
                if m.role == .assistant && m.trained { trained(c + "<|eot_id|>") } else { out += c + "<|eot_id|>" }
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        }
        return (out, spans)
    }

    static let toolsPreamble = "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
    static let toolsPostamble = "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
        + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"

    /// Jinja's `trim` (Python str.strip()): strips Unicode whitespace at both ends.
    static func jinjaTrim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let a = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let b = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[a...b])
    }

    /// The exact string HF apply_chat_template(tokenize=False) returns.
    public func renderText(_ messages: [Message], tools: [String] = [], addGenerationPrompt: Bool) -> String {
        renderWithSpans(messages, tools: tools, addGenerationPrompt: addGenerationPrompt, bos: "<|begin_of_text|>").0
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
                           hint: "choose the template that matches the model (smollm2, qwen2, qwen2.5, chatml, llama3)")
        }
        let bos = tokenizer.bosId.map { tokenizer.piece($0) } ?? "<|begin_of_text|>"
        let (text, spans) = renderWithSpans(messages, tools: tools, addGenerationPrompt: addGenerationPrompt, bos: bos)
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
        case .chatml: return ["<|im_start|>", "<|im_end|>"]
        case .llama3: return ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        }
    }

    /// Ids that end generation: the end-of-turn token and the tokenizer's EOS (deduplicated, in that order).
    public func stopTokens(tokenizer: BPETokenizer) -> [Int32] {
        var ids: [Int32] = []
        let names = self == .llama3 ? ["<|eot_id|>", "<|end_of_text|>"] : ["<|im_end|>", "<|endoftext|>"]
        for n in names { if let id = tokenizer.id(of: n), !ids.contains(id) { ids.append(id) } }
        if let e = tokenizer.eosId, !ids.contains(e) { ids.append(e) }
        return ids
    }
}
