// Chat templates against references: HF apply_chat_template for SmolLM2 (text and ids, Tests/Fixtures/tokenizer/
// smollm2-chat.json), jinja2 renderings of the official Qwen2, Qwen2.5, Llama-3 and Llama-3.2 templates (templates.json),
// tokenized with llama.cpp's qwen2 vocabulary, and transformers' apply_chat_template of Qwen3, Gemma 3, Llama-2 and
// Mistral (text, ids and assistant mask; llama-spm vocabulary as the SentencePiece stand-in). Also detection, the
// fallback, the trained mask and stop tokens.
import Foundation
import SFT
import XCTest

final class ChatTemplateTests: XCTestCase {
    struct Chat: Decodable {
        var name: String
        var messages: [[String: String]]
        var add_generation_prompt: Bool
        var text: String
        var ids: [Int32]?
        var mask: [Int]?
        var typed: [Message] {
            messages.map {
                var m = Message(Role(rawValue: $0["role"] ?? "") ?? .user, $0["content"] ?? "")
                m.reasoning = $0["reasoning_content"]
                return m
            }
        }
    }
    struct SmolFixture: Decodable { var chat_template: String; var chats: [Chat]; var encode: [Enc] }
    struct Enc: Decodable { var text: String; var ids: [Int32] }
    struct TemplateFixture: Decodable { var template: String; var vocab: String; var chats: [Chat]; var stand_in: StandIn? }
    /// How the fixture script changed the vocabulary to stand in for another model's (Gemma's turn tokens, no prefix).
    struct StandIn: Decodable { var add_space_prefix: Bool; var control_tokens: [String] }

    /// GGUF metadata with control tokens appended and add_space_prefix set, as a Gemma GGUF has them.
    struct StandInMetadata: TokenizerMetadataSource {
        let base: GGUFFile, standIn: StandIn
        func string(_ k: String) -> String? { base.string(k) }
        func int(_ k: String) -> Int? { base.int(k) }
        func stringArray(_ k: String) -> [String]? {
            k == "tokenizer.ggml.tokens" ? base.stringArray(k).map { $0 + standIn.control_tokens } : base.stringArray(k)
        }
        func intArray(_ k: String) -> [Int]? {
            k == "tokenizer.ggml.token_type" ? base.intArray(k).map { $0 + standIn.control_tokens.map { _ in 3 } } : base.intArray(k)
        }
        func floatArray(_ k: String) -> [Double]? {
            k == "tokenizer.ggml.scores" ? base.floatArray(k).map { $0 + standIn.control_tokens.map { _ in 0 } } : base.floatArray(k)
        }
        func bool(_ k: String) -> Bool? { k == "tokenizer.ggml.add_space_prefix" ? standIn.add_space_prefix : base.bool(k) }
    }

    static func json<T: Decodable>(_ name: String) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: TokenizerTestPaths.fixtures + "/" + name))
        return try JSONDecoder().decode(T.self, from: data)
    }

    func testSmolLM2MatchesHF() throws {
        let (tok, meta) = try TokenizerTestPaths.smolLM2()
        let fx: SmolFixture = try Self.json("smollm2-chat.json")
        let kind = try ChatTemplateKind.detect(templateText: meta.string("tokenizer.chat_template") ?? "")
        XCTAssertEqual(kind, .smolLM2)
        XCTAssertEqual(try ChatTemplateKind.detect(templateText: fx.chat_template), .smolLM2)
        XCTAssertEqual(kind.name, "smollm2")
        for c in fx.chats {
            XCTAssertEqual(try kind.renderText(c.typed, addGenerationPrompt: c.add_generation_prompt), c.text, c.name)
            let r = try kind.render(c.typed, addGenerationPrompt: c.add_generation_prompt, tokenizer: tok)
            XCTAssertEqual(r.tokens, c.ids, c.name)
        }
        for e in fx.encode {
            XCTAssertEqual(tok.encode(e.text), e.ids, e.text.debugDescription)
            XCTAssertEqual(tok.decode(e.ids), e.text)
        }
        XCTAssertEqual(kind.stopTokens(tokenizer: tok), [2, 0])
    }

    /// The HF copy of the default model (cache/hf/SmolLM2-135M-Instruct, written by the formats fixtures) when present.
    func testSmolLM2TokenizerJSONMatchesHF() throws {
        let path = TokenizerTestPaths.packageRoot + "/cache/hf/SmolLM2-135M-Instruct/tokenizer.json"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no \(path)") }
        let tok = try BPETokenizer.fromTokenizerJSON(path: path)
        let fx: SmolFixture = try Self.json("smollm2-chat.json")
        XCTAssertEqual(tok.vocabSize, 49152)
        for e in fx.encode { XCTAssertEqual(tok.encode(e.text), e.ids, e.text.debugDescription) }
        for c in fx.chats {
            XCTAssertEqual(try ChatTemplateKind.smolLM2.render(c.typed, addGenerationPrompt: c.add_generation_prompt, tokenizer: tok).tokens, c.ids, c.name)
        }
    }

    func testOfficialTemplatesTextAndDetection() throws {
        let fx: [String: TemplateFixture] = try Self.json("templates.json")
        let expect: [String: ChatTemplateKind] = ["qwen2": .qwen2, "qwen2.5": .qwen25, "llama3": .llama3, "llama3.1": .llama31, "qwen3": .qwen3,
                                                  "gemma3": .gemma3, "llama2": .llama2, "mistral": .mistral]
        XCTAssertEqual(Set(fx.keys), Set(expect.keys))
        for (key, f) in fx {
            let kind = try ChatTemplateKind.detect(templateText: f.template)
            XCTAssertEqual(kind, expect[key], key)
            XCTAssertEqual(kind.name, key)
            // A stand-in vocabulary's BOS is llama-spm's "<s>", not Gemma's "<bos>".
            let bos = f.stand_in == nil ? nil : "<s>"
            for c in f.chats {
                XCTAssertEqual(try kind.renderText(c.typed, addGenerationPrompt: c.add_generation_prompt, bos: bos), c.text, "\(key) \(c.name)")
            }
            // Ids against HF's tokenizer of the same llama.cpp vocabulary (llama-bpe only when fetched into cache/).
            let vocab = [TokenizerTestPaths.fixtures, TokenizerTestPaths.packageRoot + "/cache/tokenizer"]
                .map { $0 + "/" + f.vocab }.first { FileManager.default.fileExists(atPath: $0) }
            guard let vocab else { continue }
            let loaded = try TokenizerTestPaths.load(vocab)
            var tok = loaded.0
            if let standIn = f.stand_in { tok = try BPETokenizer.fromGGUF(StandInMetadata(base: loaded.1, standIn: standIn)) }
            for c in f.chats {
                guard let ids = c.ids else { continue }
                let r = try kind.render(c.typed, addGenerationPrompt: c.add_generation_prompt, tokenizer: tok)
                XCTAssertEqual(r.tokens, ids, "\(key) \(c.name)")
                // HF's return_assistant_tokens_mask from the template copy with {% generation %} around each reply.
                if let mask = c.mask { XCTAssertEqual(r.trained, mask.map { $0 != 0 }, "\(key) \(c.name) mask") }
            }
        }
    }

    func testQwenTokensAndMask() throws {
        let (tok, meta) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        // This vocabulary's own template has "You are a helpful assistant" without the final period.
        let own = try ChatTemplateKind.detect(templateText: meta.string("tokenizer.chat_template") ?? "")
        XCTAssertEqual(own, .chatml(defaultSystem: "You are a helpful assistant"))
        let msgs = [Message(.user, "你好"), Message(.assistant, "Hello there!")]
        let r = try ChatTemplateKind.qwen25.render(msgs, addGenerationPrompt: false, tokenizer: tok)
        XCTAssertEqual(tok.decode(r.tokens), try ChatTemplateKind.qwen25.renderText(msgs, addGenerationPrompt: false))
        let imEnd = tok.id(of: "<|im_end|>")!
        let trained = zip(r.tokens, r.trained).filter { $0.1 }.map { $0.0 }
        XCTAssertEqual(tok.decode(trained), "Hello there!<|im_end|>")
        XCTAssertEqual(trained.last, imEnd)
        XCTAssertFalse(r.trained.last!, "the newline after <|im_end|> is not trained")
        XCTAssertEqual(ChatTemplateKind.qwen25.stopTokens(tokenizer: tok), [imEnd, tok.id(of: "<|endoftext|>")!])
    }

    /// The decoded text of each run of trained tokens, in order.
    func trainedSpans(_ r: RenderedChat, _ tok: BPETokenizer) -> [String] {
        var spans: [String] = [], cur: [Int32] = []
        for (t, m) in zip(r.tokens, r.trained) {
            if m { cur.append(t) } else if !cur.isEmpty { spans.append(tok.decode(cur)); cur = [] }
        }
        if !cur.isEmpty { spans.append(tok.decode(cur)) }
        return spans
    }

    func testMaskSmolLM2MultiTurn() throws {
        let (tok, _) = try TokenizerTestPaths.smolLM2()
        let msgs = [Message(.system, "Be brief."), Message(.user, "Hi"), Message(.assistant, "Hello!"),
                    Message(.user, "Bye"), Message(.assistant, "Goodbye.")]
        let r = try ChatTemplateKind.smolLM2.render(msgs, addGenerationPrompt: false, tokenizer: tok)
        let spans = trainedSpans(r, tok)
        XCTAssertEqual(spans, ["Hello!<|im_end|>", "Goodbye.<|im_end|>"])
        let prompt = try ChatTemplateKind.smolLM2.render(Array(msgs.prefix(2)), addGenerationPrompt: true, tokenizer: tok)
        XCTAssertEqual(prompt.trainedCount, 0)
        XCTAssertTrue(tok.decode(prompt.tokens).hasSuffix("<|im_start|>assistant\n"))
    }

    func testLlama3Render() throws {
        let msgs = [Message(.system, " Sys "), Message(.user, "Q\n"), Message(.assistant, "A")]
        XCTAssertEqual(try ChatTemplateKind.llama3.renderText(msgs, addGenerationPrompt: false),
                       "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nSys<|eot_id|>"
                       + "<|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|>")
        let base = TokenizerTestPaths.packageRoot + "/cache/tokenizer/ggml-vocab-llama-bpe.gguf"
        guard FileManager.default.fileExists(atPath: base) else { return }
        let (tok, _) = try TokenizerTestPaths.load(base)
        let r = try ChatTemplateKind.llama3.render(msgs, addGenerationPrompt: false, tokenizer: tok)
        XCTAssertEqual(r.tokens.first, 128000)
        XCTAssertEqual(tok.decode(zip(r.tokens, r.trained).filter { $0.1 }.map { $0.0 }), "A<|eot_id|>")
        XCTAssertEqual(ChatTemplateKind.llama3.stopTokens(tokenizer: tok), [128009, 128001])
    }

    /// Llama-3.1/3.2: the dated system block comes first with or without a system message; only replies train.
    func testLlama31Render() throws {
        let head = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        XCTAssertEqual(try ChatTemplateKind.llama31.renderText([Message(.user, " Q ")], addGenerationPrompt: true),
                       head + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        let msgs = [Message(.system, " Sys "), Message(.user, "Q\n"), Message(.assistant, "A"), Message(.user, "R"), Message(.assistant, "B")]
        XCTAssertEqual(try ChatTemplateKind.llama31.renderText(msgs, addGenerationPrompt: false),
                       head + "Sys<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nR<|eot_id|>"
                       + "<|start_header_id|>assistant<|end_header_id|>\n\nB<|eot_id|>")
        XCTAssertEqual(try ChatTemplateKind(name: "llama3.2"), .llama31)
        let base = TokenizerTestPaths.packageRoot + "/cache/tokenizer/ggml-vocab-llama-bpe.gguf"
        guard FileManager.default.fileExists(atPath: base) else { return }
        let (tok, _) = try TokenizerTestPaths.load(base)
        let r = try ChatTemplateKind.llama31.render(msgs, addGenerationPrompt: false, tokenizer: tok)
        let spans = trainedSpans(r, tok)
        XCTAssertEqual(spans, ["A<|eot_id|>", "B<|eot_id|>"])
        XCTAssertEqual(ChatTemplateKind.llama31.stopTokens(tokenizer: tok), [128009, 128001])
    }

    func testDetectionErrors() {
        XCTAssertThrowsError(try ChatTemplateKind.detect(templateText: "{{ messages[0]['content'] }} [INST]")) { e in
            XCTAssertNotNil((e as? SFTError)?.hint)
        }
        XCTAssertEqual(try ChatTemplateKind.detect(templateText: "<|start_header_id|><|eot_id|>Cutting Knowledge Date"), .llama31)
        XCTAssertEqual(try ChatTemplateKind.detect(templateText: "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>'}}"), .plainChatML)
        XCTAssertEqual(try ChatTemplateKind(name: "qwen2.5"), .qwen25)
        XCTAssertThrowsError(try ChatTemplateKind(name: "vicuna"))
    }

    func testUnknownTemplateFallsBackToChatMLWithWarning() throws {
        let (kind, warning) = try ChatTemplateKind.detectOrFallback(templateText: "{{ messages[0]['content'] }} ### Response:")
        XCTAssertEqual(kind, .plainChatML)
        XCTAssertTrue(warning?.contains("falling back to plain ChatML") ?? false, warning ?? "no warning")
        let known = try ChatTemplateKind.detectOrFallback(templateText: "{{'<|im_start|>' + m + '<|im_end|>'}}")
        XCTAssertEqual(known.kind, .plainChatML)
        XCTAssertNil(known.warning)
        XCTAssertEqual(try ChatTemplateKind.detectOrFallback(templateText: "<|start_header_id|><|eot_id|>Cutting Knowledge Date").kind, .llama31)
    }

    func testAlternationErrors() {
        for kind in [ChatTemplateKind.gemma3, .llama2, .mistral] {
            XCTAssertThrowsError(try kind.renderText([Message(.user, "a"), Message(.user, "b")], addGenerationPrompt: true), kind.name) { e in
                XCTAssertNotNil((e as? SFTError)?.hint)
            }
            XCTAssertThrowsError(try kind.renderText([Message(.assistant, "a")], addGenerationPrompt: false), kind.name)
            XCTAssertEqual(try ChatTemplateKind(name: kind.name), kind)
        }
        XCTAssertEqual(try ChatTemplateKind(name: "qwen3"), .qwen3)
    }

    /// Untrained replies (weight 0) are rendered but not in the mask; the Qwen3 think block is part of the reply.
    func testQwen3MaskAndStops() throws {
        let (tok, _) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        var first = Message(.assistant, "7")
        first.trained = false
        var last = Message(.assistant, "14")
        last.reasoning = "7 times 2."
        let r = try ChatTemplateKind.qwen3.render([Message(.user, "Pick."), first, Message(.user, "Double."), last],
                                                  addGenerationPrompt: false, tokenizer: tok)
        XCTAssertEqual(tok.decode(zip(r.tokens, r.trained).filter { $0.1 }.map { $0.0 }), "<think>\n7 times 2.\n</think>\n\n14<|im_end|>")
        XCTAssertEqual(ChatTemplateKind.qwen3.stopTokens(tokenizer: tok), [tok.id(of: "<|im_end|>")!, tok.id(of: "<|endoftext|>")!])
    }
}
