// Tool calls rendered with Qwen2.5's template against HF: Tests/Fixtures/tools/qwen25-tool-calls.json holds
// apply_chat_template's text and ids (llama.cpp's Qwen2 vocabulary) and the trained positions, written by
// scripts/make-tool-call-fixture.py. The fixture's records go through the loader (as a JSONL file, arguments
// both as objects and as JSON strings), then the template; bad tool data is reported with its line; a template
// without a tool format refuses clearly.
import XCTest
import Foundation
import SFT

final class ToolCallTemplateTests: XCTestCase {
    struct Fixture: Decodable {
        struct Chat: Decodable { var name: String; var text: String; var ids: [Int32]; var trained: [Bool] }
        var chats: [Chat]
    }
    static let root = TokenizerTestPaths.packageRoot + "/Tests/Fixtures/tools/qwen25-tool-calls.json"

    /// The fixture's chats as dataset records: arguments as objects (TRL) or as JSON strings (OpenAI).
    func jsonl(stringArguments: Bool) -> String {
        TokenizerTestPaths.packageRoot + "/Tests/Fixtures/tools/qwen25-tool-calls" + (stringArguments ? "-string-args" : "") + ".jsonl"
    }

    func testToolCallsRenderLikeHF() throws {
        let fx = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: Self.root)))
        let (tok, _) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        for stringArguments in [false, true] {
            let d = try Dataset.load(jsonl(stringArguments: stringArguments))
            XCTAssertEqual(d.count, fx.chats.count, d.report.problems.map(\.description).joined(separator: "\n"))
            for (c, ref) in zip(d.conversations, fx.chats) {
                XCTAssertEqual(try ChatTemplateKind.qwen25.renderText(c.messages, tools: c.tools ?? [], addGenerationPrompt: false), ref.text, ref.name)
                let r = try ChatTemplateKind.qwen25.render(c.messages, tools: c.tools ?? [], addGenerationPrompt: false, tokenizer: tok)
                XCTAssertEqual(r.tokens, ref.ids, ref.name)
                XCTAssertEqual(r.trained, ref.trained, ref.name)
            }
            // Saved as messages JSONL and loaded again, the chats are the same.
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("sft-tools-saved-\(getpid()).jsonl").path
            try d.save(to: out)
            let back = try Dataset.load(out)
            XCTAssertEqual(back.conversations.map(\.messages), d.conversations.map(\.messages))
            XCTAssertEqual(back.conversations.map(\.tools), d.conversations.map(\.tools))
        }
    }

    func testSmolLM2TemplateRefusesTools() throws {
        let (tok, _) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        let c = try Dataset.load(jsonl(stringArguments: false)).conversations[0]
        XCTAssertThrowsError(try ChatTemplateKind.smolLM2.render(c.messages, tools: c.tools ?? [], addGenerationPrompt: false, tokenizer: tok)) {
            XCTAssertTrue(($0 as? SFTError)?.message.contains("smollm2 chat template has no tool-calling format") == true, "\($0)")
        }
    }

    func testBadToolDataIsReportedWithItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sft-badtools-\(getpid()).jsonl").path
        let lines = [
            #"{"messages": [{"role": "user", "content": "w?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]}, {"role": "tool", "tool_call_id": "1", "content": "x"}, {"role": "assistant", "content": "ok"}]}"#,
            #"{"messages": [{"role": "user", "content": "w?"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": {}}}, {"id": "2", "function": {"name": "g", "arguments": {}}}]}, {"role": "tool", "tool_call_id": "1", "content": "x"}, {"role": "assistant", "content": "ok"}]}"#,
            #"{"messages": [{"role": "user", "content": "w?"}, {"role": "tool", "content": "x"}, {"role": "assistant", "content": "ok"}]}"#,
            #"{"messages": [{"role": "user", "content": "w?"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": {"a": 1}}}]}, {"role": "tool", "tool_call_id": "1", "content": "x"}, {"role": "assistant", "content": "ok"}], "tools": [{"type": "function", "function": {"name": "f"}}]}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let d = try Dataset.load(path)
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.conversations[0].messages[1].toolCalls?.first?.arguments, #"{"a": 1}"#)
        let text = d.report.problems.map { "\($0.line ?? 0): \($0.message)" }.joined(separator: "\n")
        XCTAssertTrue(text.contains("1: message 2: the arguments of tool call 1 (f) are not JSON"), text)
        XCTAssertTrue(text.contains("2: message 2: tool call '2' has no tool message answering it"), text)
        XCTAssertTrue(text.contains("3: message 2 is tool, expected assistant"), text)
    }
}
