// OllamaModelfile: the Modelfile text (exact golden), and that its TEMPLATE, run the way Ollama runs it,
// renders the same text as the HF chat templates (which sft's native renderer matches): with and without a
// system message, multi-turn, with the generation prompt. The Ollama side is simulated here: the server
// prepends the Modelfile's SYSTEM when a request's first message is not a system message (server/routes.go),
// then executes the Go template over .Messages; `GoTemplate` (GoTemplate.swift) evaluates the subset the templates
// use. Every template is also checked equal to sft's own renderer (ChatTemplateKind.renderText, itself equal to HF's
// apply_chat_template) for single-turn, system-prompt and multi-turn requests, less the BOS llama.cpp adds.
import Foundation
import SFT
import XCTest

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
        return try template.execute(system: system, messages: messages)
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

    // MARK: every template against sft's renderer

    /// The BOS each HF template writes first (llama.cpp adds it in Ollama), nil for templates without one.
    func bos(_ t: ExportChatTemplate) -> String? {
        switch t {
        case .llama3, .llama31: "<|begin_of_text|>"
        case .gemma3: "<bos>"
        case .llama2, .mistral: "<s>"
        case .chatml, .smollm2, .qwen2, .qwen25, .qwen3: nil
        }
    }

    /// sft's rendering of a request (generation prompt on), less the leading BOS.
    func sftPrompt(_ t: ExportChatTemplate, _ request: [Message]) throws -> String {
        let text = try t.native.renderText(request, addGenerationPrompt: true, bos: bos(t), eos: "</s>")
        guard let b = bos(t) else { return text }
        XCTAssertTrue(text.hasPrefix(b), "\(t): \(text)")
        return String(text.dropFirst(b.count))
    }

    let conversations: [(String, [Message])] = [
        ("single", [Message(.user, "Hi")]),
        ("system", [Message(.system, "Be brief."), Message(.user, "Hi")]),
        ("multi", [Message(.system, "Be brief."), Message(.user, "Hi"), Message(.assistant, "Hello!"), Message(.user, "2+2?")]),
        ("multi, no system", [Message(.user, "Hi"), Message(.assistant, "Hello!"), Message(.user, "2+2?"),
                              Message(.assistant, "4"), Message(.user, "And 3+3?\nSay it in words.")]),
    ]

    func testEveryTemplateRendersLikeSFT() throws {
        for t in ExportChatTemplate.allCases {
            let m = try OllamaModelfile.render(template: t.native.name, ggufFile: "model.gguf", system: nil)
            for (what, request) in conversations {
                XCTAssertEqual(try ollamaPrompt(m, request), try sftPrompt(t, request), "\(t) \(what)")
            }
            // A system prompt baked into the Modelfile reads as a first system message.
            let baked = try OllamaModelfile.render(template: t.native.name, ggufFile: "model.gguf", system: "You write SQL.")
            XCTAssertEqual(try ollamaPrompt(baked, [Message(.user, "All users")]),
                           try sftPrompt(t, [Message(.system, "You write SQL."), Message(.user, "All users")]), "\(t) baked system")
            XCTAssertEqual(try ollamaPrompt(baked, conversations[2].1), try sftPrompt(t, conversations[2].1), "\(t) own system wins")
            XCTAssertEqual(try ExportChatTemplate(named: t.native.name), t)
        }
    }

    func testNewTemplatesSpelledOut() throws {
        // The texts the comparison above relies on, written out once per template.
        let multi = conversations[2].1
        let qwen3 = try OllamaModelfile.render(template: "qwen3", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(qwen3, multi),
                       "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                       + "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n")
        XCTAssertFalse(qwen3.contains("SYSTEM"))
        XCTAssertTrue(qwen3.contains("PARAMETER stop \"<|im_end|>\"\n"))
        let gemma = try OllamaModelfile.render(template: "gemma3", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(gemma, multi),
                       "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                       + "<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n")
        XCTAssertTrue(gemma.contains("PARAMETER stop \"<end_of_turn>\"\nPARAMETER stop \"<eos>\"\n"))
        let llama2 = try OllamaModelfile.render(template: "llama2", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(llama2, multi),
                       "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] 2+2? [/INST]")
        XCTAssertEqual(try ollamaPrompt(llama2, [Message(.user, "Hi")]), "[INST] Hi [/INST]")
        let mistral = try OllamaModelfile.render(template: "mistral", ggufFile: "model.gguf", system: nil)
        XCTAssertEqual(try ollamaPrompt(mistral, multi), " [INST] Be brief.\n\nHi [/INST] Hello!</s> [INST] 2+2? [/INST]")
        XCTAssertTrue(mistral.contains("PARAMETER stop \"</s>\"\nPARAMETER stop \"[INST]\"\n"))
    }

    func testGoTemplateSubset() throws {
        // The interpreter itself, on Go's documented behaviour the templates depend on.
        let data = GoTemplate.Value.map(["Messages": .list([.map(["Role": .str("user"), "Content": .str("a")]),
                                                            .map(["Role": .str("assistant"), "Content": .str("b")])]),
                                         "System": .str("")])
        func run(_ t: String) throws -> String { try GoTemplate(t).execute(data) }
        XCTAssertEqual(try run("{{ range $i, $m := .Messages }}{{ $i }}{{ $m.Role }}{{ if eq $i 1 }}!{{ end }} {{ end }}"), "0user 1assistant! ")
        XCTAssertEqual(try run("{{- $x := \"\" }}{{ range .Messages }}{{ $x }}{{ $x = .Content }}{{ end }}{{ $x }}"), "ab")
        XCTAssertEqual(try run("{{ range $i, $_ := .Messages }}{{ len (slice $.Messages $i) }}{{ end }}"), "21")
        XCTAssertEqual(try run("{{ if $.System }}s{{ else if eq (len .Messages) 2 }}b{{ else }}n{{ end }}"), "b")
        XCTAssertEqual(try run("a  {{- \" x \" -}}  \n b"), "a x b")
        XCTAssertEqual(try run("{{ and .System 1 }}|{{ or .System 1 }}|{{ not .System }}"), "|1|true")
        XCTAssertThrowsError(try run("{{ .Messages | len }}"))
        XCTAssertThrowsError(try run("{{ printf \"%s\" .System }}"))
        XCTAssertThrowsError(try run("{{ $y = 1 }}"))
        XCTAssertThrowsError(try GoTemplate("{{ if .System }}x"))
    }
}
