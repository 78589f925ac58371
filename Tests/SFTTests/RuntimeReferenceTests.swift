// The default model against HF transformers (fixture by scripts/make-runtime-fixtures.py, fp32, from the same
// GGUF): chat-template prompt ids, logits of the last prompt position within 1e-3, argmax at every position,
// the greedy continuation token for token, and the KV-cache prefill agreeing with the full forward.
import Foundation
import XCTest
import SFT

final class RuntimeReferenceTests: XCTestCase {
    struct Fixture: Decodable {
        struct Msg: Decodable { let role: String; let content: String }
        struct Last: Decodable { let top_ids: [Int32]; let top_logits: [Float]; let fixed_logits: [Float]; let max: Float; let min: Float }
        struct Greedy: Decodable { let new_ids: [Int32]; let text: String; let stopped_at_eos: Bool; let margins: [Float] }
        struct Case: Decodable {
            let name: String; let messages: [Msg]; let prompt_ids: [Int32]; let argmax: [Int32]
            let prompt_loss: Double; let last: Last; let greedy: Greedy
        }
        struct Settings: Decodable { let fixed_ids: [Int] }
        let settings: Settings
        let cases: [Case]
    }

    static let model: ChatModel? = try? ChatModel.load(path: FormatsPaths.model())

    func load() throws -> (ChatModel, Fixture) {
        let m = try XCTUnwrap(Self.model, "the default model did not load (make model)")
        let url = URL(fileURLWithPath: FormatsPaths.root + "/Tests/Fixtures/runtime/smollm2-reference.json")
        return (m, try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)))
    }

    func messages(_ c: Fixture.Case) -> [Message] {
        c.messages.map { Message(Role(rawValue: $0.role)!, $0.content) }
    }

    func testPromptIdsAndLogitsMatchHF() throws {
        let (m, f) = try load()
        for c in f.cases {
            let ids = try m.prompt(messages(c))
            XCTAssertEqual(ids, c.prompt_ids, "prompt ids of \(c.name)")
            let T = ids.count, V = m.config.vocabSize
            let logits = try m.transformer.logits(tokens: ids, batch: 1, length: T)
            // argmax at every position
            var mismatched = 0
            for t in 0..<T {
                let row = Array(logits[(t * V)..<((t + 1) * V)])
                if Sampler.argmax(row) != c.argmax[t] { mismatched += 1 }
            }
            XCTAssertEqual(mismatched, 0, "argmax differs at \(mismatched) positions of \(c.name)")
            let last = Array(logits[((T - 1) * V)..<(T * V)])
            var worst: Float = 0
            for (i, id) in f.settings.fixed_ids.enumerated() { worst = max(worst, abs(last[id] - c.last.fixed_logits[i])) }
            for (i, id) in c.last.top_ids.enumerated() { worst = max(worst, abs(last[Int(id)] - c.last.top_logits[i])) }
            XCTAssertLessThan(worst, 1e-3, "max abs logit difference of \(c.name)")
            XCTAssertEqual(last.max()!, c.last.max, accuracy: 1e-3)
            XCTAssertEqual(last.min()!, c.last.min, accuracy: 1e-3)
            // the KV-cache path gives the same last logits as the full forward
            let cache = KVCache(config: m.config, capacity: T)
            let pre = try m.transformer.prefill(ids, cache: cache)
            var d: Float = 0
            for i in 0..<V { d = max(d, abs(pre[i] - last[i])) }
            XCTAssertLessThan(d, 1e-3, "prefill vs forward of \(c.name)")
        }
    }

    func testGreedyContinuationMatchesHF() throws {
        let (m, f) = try load()
        for c in f.cases {
            var rng = RNG(seed: 0)
            let r = try Generator.continueTokens(model: m, prompt: c.prompt_ids,
                                                 options: GenerationOptions(sampler: .greedy, maxTokens: 48), rng: &rng)
            // HF's list includes the stop token when it stopped; ours ends before it.
            let expected = c.greedy.stopped_at_eos ? Array(c.greedy.new_ids.dropLast()) : c.greedy.new_ids
            XCTAssertEqual(r.tokens, expected, "greedy continuation of \(c.name): \(r.text)")
        }
    }

    func testAsksParis() throws {
        let (m, _) = try load()
        var rng = RNG(seed: 0)
        let r = try Generator.reply(model: m, messages: [Message(.user, "What is the capital of France?")],
                                    options: GenerationOptions(sampler: .greedy, maxTokens: 32), rng: &rng)
        XCTAssertTrue(r.text.contains("Paris"), r.text)
        XCTAssertEqual(r.stop, .endOfTurn)
    }
}
