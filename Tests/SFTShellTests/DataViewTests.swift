// The `data` drawing functions on plain values: the token view of a rendered chat template (boundaries,
// trained spans, line breaks after newline tokens, wrapping), the chat view with Chinese text, and the
// length histogram. A fake "tokenizer" (a table of pieces) stands in for a model.
import SFT
import SFTShell
import XCTest

final class DataViewTests: XCTestCase {
    let pieces = ["<|im_start|>", "user", "\n", "Hi", "<|im_end|>", "\n", "<|im_start|>", "assistant", "\n",
                  "Hello", " there", "<|im_end|>", "\n"]

    func chat(trainedFrom: Int, to: Int) -> RenderedChat {
        RenderedChat(tokens: pieces.indices.map { Int32($0) }, trained: pieces.indices.map { $0 >= trainedFrom && $0 <= to })
    }

    func testPlainTokenViewMarksBoundariesAndTrainedSpans() {
        let lines = DataView.tokens(chat(trainedFrom: 9, to: 11), decode: { self.pieces[Int($0)] }, width: 100)
        XCTAssertEqual(lines, [
            "<|im_start|>|user|↵",
            "Hi|<|im_end|>|↵",
            "<|im_start|>|assistant|↵",
            "[[Hello| there|<|im_end|>]]|↵",
        ])
    }

    func testTrainedSpanAcrossANewlineClosesOnTheLastTrainedToken() {
        let lines = DataView.tokens(chat(trainedFrom: 9, to: 12), decode: { self.pieces[Int($0)] }, width: 100)
        XCTAssertEqual(lines.last, "[[Hello| there|<|im_end|>|↵]]")
        XCTAssertEqual(lines.count, 4)
    }

    func testNarrowWidthWrapsAtTokenBoundaries() {
        let lines = DataView.tokens(chat(trainedFrom: 9, to: 11), decode: { self.pieces[Int($0)] }, width: 12)
        for l in lines { XCTAssertLessThanOrEqual(DisplayWidth.of(l), 16, l) }   // one token may overflow alone
        XCTAssertEqual(lines.joined(separator: "|").replacingOccurrences(of: "[[", with: "").replacingOccurrences(of: "]]", with: ""),
                       pieces.map(DataView.visible).joined(separator: "|"))
    }

    func testColourViewHasNoBracketsAndColoursTrainedTokens() {
        let was = Colour.enabled
        Colour.enabled = true
        defer { Colour.enabled = was }
        let lines = DataView.tokens(chat(trainedFrom: 9, to: 11), decode: { self.pieces[Int($0)] }, width: 100, colour: true)
        XCTAssertFalse(lines.joined().contains("[["))
        XCTAssertTrue(lines[3].contains("\u{1B}[32mHello\u{1B}[0m"))
        XCTAssertTrue(lines[0].contains("\u{1B}[2muser\u{1B}[0m"))
    }

    func testTokenSummaryCountsTrainedAndContext() {
        let r = chat(trainedFrom: 9, to: 11)
        XCTAssertEqual(DataView.tokenSummary(r, contextLength: 100), "13 tokens, 3 trained (23.1%)")
        XCTAssertTrue(DataView.tokenSummary(r, contextLength: 10).contains("longer than the context of 10"))
    }

    func testChatWrapsChineseByDisplayWidth() {
        let c = Conversation([Message(.user, "你是谁？"),
                              Message(.assistant, "我是 Lumen，一个由 Lumen 团队用 sft 训练的小助手。我可以回答问题，也可以陪你聊天。")])
        let lines = DataView.chat(c, width: 20)
        XCTAssertEqual(lines[0], "user:")
        XCTAssertEqual(lines[1], "  你是谁？")
        XCTAssertEqual(lines[2], "assistant:")
        XCTAssertGreaterThan(lines.count, 4)
        for l in lines { XCTAssertLessThanOrEqual(DisplayWidth.of(l), 20, l) }
        XCTAssertEqual(lines[3...].map { $0.dropFirst(2) }.joined().replacingOccurrences(of: " ", with: ""),
                       "我是Lumen，一个由Lumen团队用sft训练的小助手。我可以回答问题，也可以陪你聊天。")
    }

    func testHistogramBarsScaleToTheLargestBin() {
        let bins: [(label: String, count: Int)] = [("0-9", 4), ("10-19", 1), ("20-29", 0)]
        XCTAssertEqual(DataView.histogram(bins, barWidth: 8), [
            "    0-9  ########  4",
            "  10-19  ##        1",
            "  20-29            0",
        ])
    }

    func testVisibleShowsControlCharacters() {
        XCTAssertEqual(DataView.visible("a\nb\tc"), "a↵b→c")
    }
}
