// LLaMA-Factory folders (Tests/Fixtures/data/llamafactory, written by us): dataset_info.json entries with
// alpaca columns under Chinese names, sharegpt with function calls, observations, tools and a system column,
// sharegpt with OpenAI-style tags, v1 parts with loss_weight, a pretraining text entry; plus the entries that
// cannot load (hub-only, missing file, preference pairs) and broken indexes. Counts, problems with their
// lines, and the trained tokens of one rendered sample per formatting.
import XCTest
import Foundation
import SFT

final class DatasetInfoTests: XCTestCase {
    static let dir = TokenizerTestPaths.packageRoot + "/Tests/Fixtures/data/llamafactory"

    func load(_ name: String) throws -> Dataset { try DatasetInfo.load(Self.dir, dataset: name) }

    func problems(_ d: Dataset) -> String { d.report.problems.map { "\($0.line ?? 0): \($0.message)" }.joined(separator: "\n") }

    /// The text of the trained tokens of `c` under Qwen2.5's template (llama.cpp's Qwen2 vocabulary).
    func trainedText(_ c: Conversation) throws -> String {
        let (tok, _) = try TokenizerTestPaths.load(TokenizerTestPaths.fixtures + "/ggml-vocab-qwen2.gguf")
        let r = try ChatTemplateKind.qwen25.render(c.messages, tools: c.tools ?? [], addGenerationPrompt: false, tokenizer: tok)
        return tok.decode(r.tokens.indices.filter { r.trained[$0] }.map { r.tokens[$0] })
    }

    func testIndexListsEveryEntryWithItsKind() throws {
        let e = try DatasetInfo.entries(in: Self.dir)
        XCTAssertEqual(e.map(\.name), ["lumen_alpaca", "identity", "lumen_tools", "lumen_roles", "lumen_v1", "lumen_notes", "alpaca_en", "lost", "lumen_prefs"])
        XCTAssertEqual(e.map(\.kind), [.alpaca, .detect, .sharegpt, .sharegpt, .detect, .text, .detect, .detect, .alpaca])
        XCTAssertEqual(e[6].hub, "hf_hub_url llamafactory/alpaca_en")
        XCTAssertNil(e[6].fileName)
        XCTAssertEqual(e[8].unsupported, "it holds preference pairs (ranking) for DPO/ORPO; sft trains on chat samples")
        XCTAssertTrue(DatasetInfo.isDatasetDirectory(Self.dir))
        XCTAssertFalse(DatasetInfo.isDatasetDirectory(Self.dir + "/.."))
    }

    func testAlpacaColumnsMapWithHistoryAndSystem() throws {
        let d = try load("lumen_alpaca")
        XCTAssertEqual(d.name, "lumen_alpaca")
        XCTAssertEqual(d.count, 3, problems(d))
        XCTAssertEqual(d.report.dropped, 1)
        XCTAssertEqual(problems(d), "5: no \"回答\" column (dataset_info.json maps response to \"回答\")")
        XCTAssertEqual(d.conversations[0].messages.map(\.role), [.system, .user, .assistant])
        XCTAssertEqual(d.conversations[0].system, "你是 Lumen 的客服助手。")
        XCTAssertEqual(d.conversations[1].messages.map(\.content),
                       ["你好", "你好！有什么可以帮你？", "把这句话译成英文\n\n灯要放在书桌左边。", "Put the lamp on the left side of the desk."])
        XCTAssertEqual(try trainedText(d.conversations[1]), "你好！有什么可以帮你？<|im_end|>Put the lamp on the left side of the desk.<|im_end|>")
        XCTAssertEqual(try load("identity").count, 2, "default alpaca names are detected without columns")
    }

    func testShareGPTFunctionCallsObservationsAndTools() throws {
        let d = try load("lumen_tools")
        XCTAssertEqual(d.count, 2, problems(d))
        XCTAssertEqual(d.report.dropped, 2)
        let p = problems(d)
        XCTAssertTrue(p.contains("message 2: the function_call is not a JSON {\"name\", \"arguments\"} (or a list of them)"), p)
        XCTAssertTrue(p.contains("message 2 has the role tag \"robot\""), p)
        let c = d.conversations[0]
        XCTAssertEqual(c.messages.map(\.role), [.system, .user, .assistant, .tool, .assistant])
        XCTAssertEqual(c.messages[2].toolCalls?.map(\.name), ["get_weather"])
        XCTAssertEqual(c.tools?.count, 1)
        XCTAssertTrue(c.tools?[0].contains("\"type\": \"function\"") == true, c.tools?[0] ?? "")
        // Qwen2.5's tool markup: the call and the final reply are trained, the observation is not.
        let trained = try trainedText(c)
        XCTAssertTrue(trained.hasPrefix("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"杭州\"}}\n</tool_call><|im_end|>"), trained)
        XCTAssertTrue(trained.hasSuffix("杭州今天晴，21 度。<|im_end|>"), trained)
        XCTAssertFalse(trained.contains("temperature"), trained)
    }

    func testShareGPTWithOpenAITagsAndV1Parts() throws {
        let roles = try load("lumen_roles")
        XCTAssertEqual(roles.count, 2, problems(roles))
        XCTAssertEqual(roles.conversations[0].system, "You answer in one sentence.")
        XCTAssertEqual(try trainedText(roles.conversations[1]), "能，所有 Lumen 台灯都用 E27 灯座。<|im_end|>")
        let v1 = try load("lumen_v1")
        XCTAssertEqual(v1.count, 2, problems(v1))
        XCTAssertEqual(v1.conversations[0].messages.map(\.trained), [true, false, true, true])
        XCTAssertEqual(try trainedText(v1.conversations[0]), "Hello!<|im_end|>")
    }

    func testPretrainingEntryLoadsAsText() throws {
        let d = try load("lumen_notes")
        XCTAssertEqual(d.format, .text)
        XCTAssertEqual(d.count, 2)
        XCTAssertEqual(problems(d), "3: no \"正文\" column (dataset_info.json maps prompt to \"正文\")")
        XCTAssertEqual(d.conversations[1].messages.map(\.content), ["Every Lumen lamp ships with a two-year warranty and a fabric cable."])
    }

    func testEntriesThatCannotLoadSayWhy() {
        func message(_ name: String) -> String {
            do { _ = try load(name); return "loaded" } catch { return (error as? SFTError).map { $0.message + " | " + ($0.hint ?? "") } ?? "\(error)" }
        }
        XCTAssertTrue(message("alpaca_en").hasPrefix("dataset 'alpaca_en' is not a local file (hf_hub_url llamafactory/alpaca_en) | no hub"), message("alpaca_en"))
        XCTAssertTrue(message("lost").hasPrefix("dataset 'lost' names the file 'missing.json', which does not exist"), message("lost"))
        XCTAssertTrue(message("lumen_prefs").contains("preference pairs"), message("lumen_prefs"))
        XCTAssertEqual(message("lumen_alpacaa"), "dataset_info.json has no dataset 'lumen_alpacaa' | did you mean 'lumen_alpaca'?")
    }

    func testBrokenIndexesNameFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-lf-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let index = dir + "/dataset_info.json"
        func error(_ text: String) throws -> SFTError? {
            try text.write(toFile: index, atomically: true, encoding: .utf8)
            do { _ = try DatasetInfo.entries(in: dir); return nil } catch { return error as? SFTError }
        }
        let bad = try error("{\n  \"a\": {\"file_name\": \"a.json\"},\n  \"b\": {\"file_name\": }\n}\n")
        XCTAssertEqual(bad?.line, 3)
        XCTAssertTrue(bad?.message.hasPrefix("dataset_info.json is not valid JSON") == true, "\(String(describing: bad))")
        XCTAssertEqual(try error("[1, 2]")?.message, "dataset_info.json is an array, expected an object of datasets")
        let cols = try error("{\n\"a\": {\"file_name\": \"a.json\", \"columns\": {\"prompt\": 3}}}")
        XCTAssertEqual(cols?.message, "dataset 'a': columns.prompt is a number, expected a column name")
        XCTAssertEqual(cols?.line, 2)
        XCTAssertEqual(try error("{\"a\": {\"formatting\": \"chatml\", \"file_name\": \"a.json\"}}")?.message, "dataset 'a': unknown formatting 'chatml'")
        XCTAssertEqual(try error("{\"a\": {\"formatting\": \"alpaca\"}}")?.message, "dataset 'a' has no \"file_name\"")
        // A folder as file_name is refused by name, not read.
        try "{\"a\": {\"file_name\": \"sub\"}}".write(toFile: index, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        XCTAssertThrowsError(try DatasetInfo.load(dir, dataset: "a")) {
            XCTAssertTrue(($0 as? SFTError)?.message.contains("names the folder 'sub'") == true, "\($0)")
        }
    }
}
