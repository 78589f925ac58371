// OllamaModelfile: the Modelfile text (exact golden), and that its TEMPLATE, run the way Ollama runs it,
// renders the same text as the HF chat templates (which sft's native renderer matches): with and without a
// system message, multi-turn, with the generation prompt. The Ollama side is simulated here: the server
// prepends the Modelfile's SYSTEM when a request's first message is not a system message (server/routes.go),
// then executes the Go template over .Messages; `GoTemplate` below evaluates the subset the templates use.
import Foundation
import SFT
import XCTest

/// Go text/template, only what ExportChatTemplate.ollamaTemplate uses: text, {{ .Field }}, {{ range .Messages }}
/// ... {{ end }}, {{ if .Field }} ... {{ else }} ... {{ end }}, and the {{- / -}} whitespace trims.
/// Anything else fails the test, so a template change that needs more is noticed.
struct GoTemplate {
    indirect enum Node { case text(String), field(String), range([Node]), cond(String, [Node], [Node]) }
    let nodes: [Node]

    init(_ source: String) throws {
        // Split into text and actions, applying trim markers to the neighbouring text.
        var parts: [(isAction: Bool, s: String)] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var text = String(rest[..<open.lowerBound])
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { throw SFTError("unclosed {{") }
            var action = String(rest[open.upperBound..<close.lowerBound])
            if action.hasPrefix("-") {
                action.removeFirst()
                while let c = text.last, c.isWhitespace { text.removeLast() }
            }
            var trimNext = false
            if action.hasSuffix("-") { action.removeLast(); trimNext = true }
            parts.append((false, text))
            parts.append((true, action.trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
            if trimNext { rest = rest.drop { $0.isWhitespace } }
        }
        parts.append((false, String(rest)))
        var i = 0
        func parse(until ends: Set<String>) throws -> ([Node], String?) {
            var out: [Node] = []
            while i < parts.count {
                let p = parts[i]; i += 1
                if !p.isAction { if !p.s.isEmpty { out.append(.text(p.s)) }; continue }
                if ends.contains(p.s) { return (out, p.s) }
                if p.s == "range .Messages" {
                    let (body, end) = try parse(until: ["end"])
                    guard end == "end" else { throw SFTError("range without end") }
                    out.append(.range(body))
                } else if p.s.hasPrefix("if .") {
                    let (yes, end) = try parse(until: ["else", "end"])
                    var no: [Node] = []
                    if end == "else" { let (elseBody, _) = try parse(until: ["end"]); no = elseBody }
                    out.append(.cond(String(p.s.dropFirst(4)), yes, no))
                } else if p.s.hasPrefix("."), p.s.dropFirst().allSatisfy(\.isLetter) {
                    out.append(.field(String(p.s.dropFirst())))
                } else {
                    throw SFTError("template action outside the tested subset: {{\(p.s)}}")
                }
            }
            return (out, nil)
        }
        nodes = try parse(until: []).0
    }

    func execute(system: String, messages: [Message]) -> String {
        func run(_ nodes: [Node], _ dot: [String: String]) -> String {
            nodes.map { n -> String in
                switch n {
                case .text(let s): return s
                case .field(let f): return dot[f] ?? ""
                case .range(let body):
                    return messages.map { run(body, ["Role": $0.role.rawValue, "Content": $0.content]) }.joined()
                case .cond(let f, let yes, let no): return run((dot[f] ?? "").isEmpty ? no : yes, dot)
                }
            }.joined()
        }
        return run(nodes, ["System": system])
    }
}

final class ExportOllamaTests: XCTestCase {
    /// What Ollama sends the model for a chat request to a model made from `modelfile`.
    func ollamaPrompt(_ modelfile: String, _ request: [Message]) throws -> String {
        func block(_ keyword: String) -> String? {
            guard let r = modelfile.range(of: "\n\(keyword) \"\"\"") else { return nil }
            let rest = modelfile[r.upperBound...]
            return rest.range(of: "\"\"\"").map { String(rest[..<$0.lowerBound]) }
        }
        let template = try GoTemplate(try XCTUnwrap(block("TEMPLATE")))
        var messages = request
        if request.first?.role != .system, let s = block("SYSTEM"), !s.isEmpty { messages.insert(Message(.system, s), at: 0) }
        let system = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        return template.execute(system: system, messages: messages)
    }

    let single = [Message(.user, "Hi")]
    let multi = [Message(.system, "Be brief."), Message(.user, "Hi"), Message(.assistant, "Hello!"), Message(.user, "2+2?")]

    func testChatMLFamiliesRenderLikeHF() throws {
        let smol = try OllamaModelfile.render(template: "smollm2", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(smol, single),
                       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try ollamaPrompt(smol, multi),
                       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                       + "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n")
        // Multi-turn without a system message: the default goes first, once.
        XCTAssertEqual(try ollamaPrompt(smol, Array(multi.dropFirst())),
                       "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                       + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                       + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n")
        let qwen25 = try OllamaModelfile.render(template: "qwen2.5", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(qwen25, single),
                       "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                       + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let qwen2 = try OllamaModelfile.render(template: "qwen2", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(qwen2, single),
                       "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try ollamaPrompt(qwen2, multi).hasPrefix("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user"), true)
        let plain = try OllamaModelfile.render(template: "chatml", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(plain, single), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        // A baked-in system prompt replaces the default, as a system message in every conversation would.
        let baked = try OllamaModelfile.render(template: "smollm2", ggufFile: "model.gguf", system: "You write SQL.")
        XCTAssertEqual(try ollamaPrompt(baked, single),
                       "<|im_start|>system\nYou write SQL.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        XCTAssertEqual(try ollamaPrompt(baked, multi), try ollamaPrompt(smol, multi))
    }

    func testLlama3RendersLikeHF() throws {
        let m = try OllamaModelfile.render(template: "llama3", ggufFile: "model.gguf", system: nil)
        XCTAssertFalse(m.contains("SYSTEM"))
        // HF's text starts with <|begin_of_text|>; in Ollama llama.cpp adds that BOS token itself.
        XCTAssertEqual("<|begin_of_text|>" + (try ollamaPrompt(m, single)),
                       "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertEqual("<|begin_of_text|>" + (try ollamaPrompt(m, multi)),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        XCTAssertTrue(m.contains("PARAMETER stop \"<|eot_id|>\"\nPARAMETER stop \"<|end_of_text|>\"\n"))
    }

    func testModelfileGolden() throws {
        let m = try OllamaModelfile.render(template: "smollm2", ggufFile: "model.gguf", system: nil,
                                           parameters: OllamaParameters(temperature: 0.7, topP: 0.9, topK: 40, repeatPenalty: 1.1,
                                                                        seed: 42, numPredict: 256, numCtx: 2048))
        XCTAssertEqual(m, #"""
        # Made by sft `export ollama`. Run: ollama create NAME -f Modelfile && ollama run NAME
        FROM ./model.gguf
        TEMPLATE """{{- range .Messages }}<|im_start|>{{ .Role }}
        {{ .Content }}<|im_end|>
        {{ end }}<|im_start|>assistant
        """
        SYSTEM """You are a helpful AI assistant named SmolLM, trained by Hugging Face"""
        PARAMETER stop "<|im_end|>"
        PARAMETER stop "<|endoftext|>"
        PARAMETER temperature 0.7
        PARAMETER top_p 0.9
        PARAMETER top_k 40
        PARAMETER repeat_penalty 1.1
        PARAMETER seed 42
        PARAMETER num_predict 256
        PARAMETER num_ctx 2048

        """#)
        let bare = try OllamaModelfile.render(template: "chatml", ggufFile: "/abs/x.gguf", system: nil)
        XCTAssertTrue(bare.contains("FROM /abs/x.gguf\n"))
        XCTAssertFalse(bare.contains("SYSTEM"))
        XCTAssertFalse(bare.contains("temperature"))
    }

    func testErrors() {
        XCTAssertThrowsError(try OllamaModelfile.render(template: "alpaca", ggufFile: "m.gguf", system: nil))
        XCTAssertThrowsError(try OllamaModelfile.render(template: "chatml", ggufFile: "m.gguf", system: "say \"\"\" hi"))
    }
}
