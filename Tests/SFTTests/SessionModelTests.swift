// The tiny chat models of sessions/models (scripts/make-session-models.py): Qwen3, a Llama-3.2-shaped llama with llama3
// RoPE scaling, Gemma 3 and a TinyLlama/Llama-2 SentencePiece llama, each with a tokenizer trained by the real
// libraries and its family's official template. Each is loaded as a user would (ChatModel.load) from its HF directory
// and from its GGUF, and checked against transformers (<name>.ref.json): the ids of Chinese and English texts, the
// chat's ids from apply_chat_template (training render and generation prompt), and the logits at three positions.
import Foundation
import XCTest
import SFT

final class SessionModelTests: XCTestCase {
    /// (model, the chat template sft must detect from the model's own template text)
    static let models = [("qwen3-tiny", "qwen3"), ("llama32-tiny", "llama3"), ("gemma3-tiny", "gemma3"), ("tinyllama-tiny", "llama2")]
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sessions/models")

    struct Reference: Decodable {
        struct Text: Decodable { let text: String; let ids: [Int32] }
        struct Turn: Decodable { let role: String; let content: String }
        let texts: [Text]
        let chat: [Turn]
        let chatIds: [Int32]        // apply_chat_template(chat)
        let promptIds: [Int32]      // apply_chat_template(chat[:4], add_generation_prompt=True)
        let logitPositions: [Int]
        let logits: [[Float]]       // float64 forward of chatIds, one row per position
    }

    func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Self.dir.appendingPathComponent("\(name).ref.json")))
    }

    /// Every model from both files: the detected template, then ids and logits equal to transformers'.
    func testTokensChatIdsAndLogitsMatchTransformers() throws {
        for (name, templateName) in Self.models {
            let ref = try reference(name)
            let messages = try ref.chat.map { Message(try XCTUnwrap(Role(rawValue: $0.role)), $0.content) }
            XCTAssertGreaterThan(ref.chatIds.count, 60, "\(name): the chat should be long enough to cross Gemma's sliding window")
            for path in [Self.dir.appendingPathComponent(name).path, Self.dir.appendingPathComponent("\(name).gguf").path] {
                let label = "\(name) from \((path as NSString).lastPathComponent)"
                let m = try ChatModel.load(path: path)
                XCTAssertEqual(m.template.name, templateName, label)
                XCTAssertNil(m.templateWarning, label)
                for t in ref.texts {
                    XCTAssertEqual(m.tokenizer.encode(t.text, parseSpecial: false), t.ids, "\(label): \(t.text)")
                }
                // A SentencePiece GGUF with add_space_prefix encodes as llama.cpp does: a "▁" before the text after every
                // special token ("<s>▁[INST]", as Llama-2's legacy tokenizer); transformers 5's Metaspace (prepend_scheme
                // first) writes none after <s>. Here "▁[" is no token, so llama.cpp's ids are HF's with "▁" after each BOS.
                var chatIds = ref.chatIds, promptIds = ref.promptIds
                if name == "tinyllama-tiny", path.hasSuffix(".gguf"), let bos = m.tokenizer.bosId, let space = m.tokenizer.id(of: "▁") {
                    func llamaCpp(_ ids: [Int32]) -> [Int32] { ids.flatMap { $0 == bos ? [bos, space] : [$0] } }
                    (chatIds, promptIds) = (llamaCpp(chatIds), llamaCpp(promptIds))
                }
                XCTAssertEqual(try m.render(Conversation(messages)).tokens, chatIds, "\(label) chat")
                XCTAssertEqual(try m.prompt(Array(messages.prefix(4))), promptIds, "\(label) generation prompt")
                // Generation stops at the end-of-turn token the template writes.
                let endOfTurn = try XCTUnwrap(m.tokenizer.id(of: m.template.endOfTurn) ?? m.tokenizer.eosId, label)
                XCTAssertTrue(m.stopTokens.contains(endOfTurn), "\(label) stop tokens \(m.stopTokens)")

                let T = ref.chatIds.count, V = m.config.vocabSize
                let logits = try m.transformer.logits(tokens: ref.chatIds, batch: 1, length: T)
                for (p, row) in zip(ref.logitPositions, ref.logits) {
                    XCTAssertEqual(row.count, V, label)
                    let ours = Array(logits[(p * V)..<((p + 1) * V)])
                    XCTAssertLessThan(zip(ours, row).map { abs($0 - $1) }.max()!, 1e-4, "\(label) logits at position \(p)")
                }
            }
        }
    }

    /// `export gguf` of a model loaded from its HF directory writes the tokenizer keys itself (GGUFTokenizerExport):
    /// the written GGUF loads back with the same template, the same ids as the converter-made GGUF of the same model
    /// (llama.cpp's reading of the vocabulary) and the HF directory's logits.
    func testGGUFExportFromAnHFDirectoryCarriesTheTokenizer() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-session-gguf-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (name, templateName) in Self.models {
            let ref = try reference(name)
            let hf = try ChatModel.load(path: Self.dir.appendingPathComponent(name).path)
            let out = tmp.appendingPathComponent("\(name).gguf").path
            try saveGGUF(hf.params, to: out, type: .f32, extraMetadata: try GGUFTokenizerExport.metadata(for: hf))
            let back = try ChatModel.load(path: out)
            let converted = try ChatModel.load(path: Self.dir.appendingPathComponent("\(name).gguf").path)
            XCTAssertEqual(back.template.name, templateName, name)
            // (BOS itself shows in the rendered chat below; the converter also names one for Qwen, which never writes it)
            XCTAssertEqual(back.stopTokens, converted.stopTokens, name)
            for t in ref.texts {
                XCTAssertEqual(back.tokenizer.encode(t.text, parseSpecial: false), converted.tokenizer.encode(t.text, parseSpecial: false),
                               "\(name): \(t.text)")
            }
            let messages = try ref.chat.map { Message(try XCTUnwrap(Role(rawValue: $0.role)), $0.content) }
            XCTAssertEqual(try back.render(Conversation(messages)).tokens, try converted.render(Conversation(messages)).tokens, name)
            let T = ref.chatIds.count
            let a = try back.transformer.logits(tokens: ref.chatIds, batch: 1, length: T)
            let b = try hf.transformer.logits(tokens: ref.chatIds, batch: 1, length: T)
            XCTAssertEqual(a, b, "\(name): f32 export, the same weights")
        }
    }

    /// A tokenizer.json whose tokenizer_config.json names BOS and EOS gets those ids (the [INST] templates write them,
    /// EOS stops generation); tokenizer.json alone names neither.
    func testHFDirectoryTakesBOSAndEOSFromTokenizerConfig() throws {
        let m = try ChatModel.load(path: Self.dir.appendingPathComponent("tinyllama-tiny").path)
        XCTAssertEqual(m.tokenizer.bosId.map { m.tokenizer.piece($0) }, "<s>")
        XCTAssertEqual(m.tokenizer.eosId.map { m.tokenizer.piece($0) }, "</s>")
        XCTAssertEqual(m.stopTokens, [m.tokenizer.eosId!])
        let alone = try BPETokenizer.fromTokenizerJSON(path: Self.dir.appendingPathComponent("tinyllama-tiny/tokenizer.json").path)
        XCTAssertNil(alone.bosId)
        // A name the vocabulary lacks stays unset rather than pointing at a token without an embedding row.
        let missing = try BPETokenizer.fromTokenizerJSON(path: Self.dir.appendingPathComponent("tinyllama-tiny/tokenizer.json").path,
                                                         bosToken: "<|begin_of_text|>", eosToken: "</s>")
        XCTAssertNil(missing.bosId)
        XCTAssertEqual(missing.eosId, m.tokenizer.eosId)
    }

    /// Gemma's tokenizer.json splits on " " after its normalizer replaced every space with "▁" (a no-op step); any other
    /// pre-tokenizer on a SentencePiece-style tokenizer is still refused by name.
    func testGemmaNoOpSplitIsAcceptedOtherPreTokenizersAreNot() throws {
        let src = Self.dir.appendingPathComponent("gemma3-tiny/tokenizer.json")
        var root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: src)) as? [String: Any])
        let split = try XCTUnwrap(root["pre_tokenizer"] as? [String: Any])
        XCTAssertEqual(split["type"] as? String, "Split", "the fixture should carry Gemma's Split pre-tokenizer")
        root["pre_tokenizer"] = ["type": "Split", "pattern": ["String": "\n"], "behavior": "Isolated", "invert": false] as [String: Any]
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sft-gemma-split-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try JSONSerialization.data(withJSONObject: root).write(to: tmp)
        XCTAssertThrowsError(try BPETokenizer.fromTokenizerJSON(path: tmp.path)) {
            XCTAssertTrue(($0 as? SFTError)?.message.contains("unsupported pre_tokenizer 'Split'") ?? false, "\($0)")
        }
    }
}
