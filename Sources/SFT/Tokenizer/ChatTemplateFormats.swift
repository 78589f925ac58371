// ChatTemplateFormats: the text of each chat format, written out as its Jinja template renders it (the template
// lines are quoted where the logic is not obvious), with the byte spans the loss trains. ChatTemplate.swift holds
// the kinds, detection, tokenization and the mask.
import Foundation

extension ChatTemplateKind {
    /// What Llama-3.1/3.2/3.3's system header starts with (no tools).
    static let llama31Preamble = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"

    /// Rendered text plus UTF-8 byte ranges that are trained. Throws where HF's template raises (roles that do not
    /// alternate in Gemma 3, Llama-2 and Mistral).
    func renderWithSpans(_ messages: [Message], tools: [String] = [], addGenerationPrompt: Bool,
                         bos: String, eos: String) throws -> (String, [Range<Int>]) {
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
        case .llama31:
            // {{- bos_token }} always; the system block always, date_string as the template sets it without
            // strftime_now ("26 Jul 2024": transformers would write today's date, so a fixed one keeps renders stable)
            out += bos + "<|start_header_id|>system<|end_header_id|>\n\n" + Self.llama31Preamble
            var rest = messages[...]
            if let first = messages.first, first.role == .system { out += Self.jinjaTrim(first.content); rest = rest.dropFirst() }
            out += "<|eot_id|>"
            for m in rest {
                out += "<|start_header_id|>" + m.role.rawValue + "<|end_header_id|>\n\n"
                let c = Self.jinjaTrim(m.content)
                if m.role == .assistant && m.trained { trained(c + "<|eot_id|>") } else { out += c + "<|eot_id|>" }
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .qwen3:
            renderQwen3(messages, addGenerationPrompt: addGenerationPrompt, plain: { out += $0 }, trained: trained)
        case .gemma3:
            // {{ bos_token }}; a first system message becomes first_user_prefix = content + '\n\n'.
            out += bos
            let (system, turns) = try Self.splitSystem(messages, template: name)
            for (k, m) in turns.enumerated() {
                out += "<start_of_turn>" + (m.role == .assistant ? "model" : m.role.rawValue) + "\n"
                if k == 0, let system { out += system + "\n\n" }
                let c = Self.jinjaTrim(m.content)
                if m.role == .assistant && m.trained { trained(c + "<end_of_turn>") } else { out += c + "<end_of_turn>" }
                out += "\n"
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        case .llama2:
            // bos + '[INST] ' + content.strip() + ' [/INST]'; ' ' + content.strip() + ' ' + eos. No generation prompt:
            // a prompt already ends with " [/INST]".
            let (system, turns) = try Self.splitSystem(messages, template: name)
            for (k, m) in turns.enumerated() {
                var c = m.content
                if k == 0, let system { c = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + c }
                if m.role == .user { out += bos + "[INST] " + Self.jinjaTrim(c) + " [/INST]"; continue }
                let reply = " " + Self.jinjaTrim(c) + " " + eos
                if m.trained { trained(reply) } else { out += reply }
            }
        case .mistral:
            // bos; ' [INST] ' + (system + '\n\n' on the first) + content + ' [/INST]'; ' ' + content + eos.
            let (system, turns) = try Self.splitSystem(messages, template: name)
            out += bos
            for (k, m) in turns.enumerated() {
                if m.role == .user {
                    out += " [INST] " + (k == 0 && system != nil ? system! + "\n\n" : "") + m.content + " [/INST]"
                    continue
                }
                let reply = " " + m.content + eos
                if m.trained { trained(reply) } else { out += reply }
            }
        }
        return (out, spans)
    }

    /// Gemma 3, Llama-2 and Mistral: an optional first system message, then user/assistant turns that alternate,
    /// starting with the user (their templates raise otherwise).
    static func splitSystem(_ messages: [Message], template: String) throws -> (String?, ArraySlice<Message>) {
        let system = messages.first?.role == .system ? messages[0].content : nil
        let turns = messages.dropFirst(system == nil ? 0 : 1)
        for (k, m) in turns.enumerated() where (m.role == .user) != (k % 2 == 0) || (m.role != .user && m.role != .assistant) {
            throw SFTError("the \(template) chat template needs user and assistant turns that alternate, starting with the user (after an optional first system message); message \(k + (system == nil ? 1 : 2)) is \(m.role.rawValue)",
                           hint: "merge consecutive messages of one role, or move the system message to the start")
        }
        return (system, turns)
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

    /// Qwen3's template (no tools): replies after the last user query show a think block when they are the last
    /// message or carry reasoning; earlier replies show only their content. Reasoning comes from Message.reasoning
    /// (reasoning_content) or from "<think>...</think>" written in the content.
    func renderQwen3(_ messages: [Message], addGenerationPrompt: Bool, plain: (String) -> Void, trained: (String) -> Void) {
        if messages.first?.role == .system { plain("<|im_start|>system\n" + messages[0].content + "<|im_end|>\n") }
        // ns.last_query_index: the last user message that is not a <tool_response>.
        var lastQuery = messages.count - 1
        for (i, m) in messages.enumerated().reversed()
        where m.role == .user && !(m.content.hasPrefix("<tool_response>") && m.content.hasSuffix("</tool_response>")) {
            lastQuery = i
            break
        }
        for (i, m) in messages.enumerated() {
            if m.role == .user || (m.role == .system && i > 0) {
                plain("<|im_start|>" + m.role.rawValue + "\n" + m.content + "<|im_end|>\n")
                continue
            }
            guard m.role == .assistant else { continue }
            var content = m.content, reasoning = ""
            if let r = m.reasoning {
                reasoning = r
            } else if content.contains("</think>") {
                // content.split('</think>')[-1].lstrip('\n'); split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
                let parts = m.content.components(separatedBy: "</think>")
                content = Self.strip(parts.last!, "\n", leading: true, trailing: false)
                let before = Self.strip(parts[0], "\n", leading: false, trailing: true)
                reasoning = Self.strip(before.components(separatedBy: "<think>").last!, "\n", leading: true, trailing: false)
            }
            plain("<|im_start|>assistant\n")
            var body = content
            if i > lastQuery && (i == messages.count - 1 || !reasoning.isEmpty) {
                body = "<think>\n" + Self.strip(reasoning, "\n", leading: true, trailing: true) + "\n</think>\n\n"
                    + Self.strip(content, "\n", leading: true, trailing: false)
            }
            if m.trained { trained(body + "<|im_end|>") } else { plain(body + "<|im_end|>") }
            plain("\n")
        }
        // enable_thinking=False: the empty think block closes the generation prompt.
        if addGenerationPrompt { plain("<|im_start|>assistant\n<think>\n\n</think>\n\n") }
    }

    /// Python's str.lstrip/rstrip/strip with one character, on scalars (so "\r\n" keeps its "\r" as in Python).
    static func strip(_ s: String, _ c: Unicode.Scalar, leading: Bool, trailing: Bool) -> String {
        var sub = s.unicodeScalars[...]
        if leading { while sub.first == c { sub = sub.dropFirst() } }
        if trailing { while sub.last == c { sub = sub.dropLast() } }
        return String(String.UnicodeScalarView(sub))
    }
}
