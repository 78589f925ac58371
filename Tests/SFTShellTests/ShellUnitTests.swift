// Pieces of the shell without the binary: settings validation and typed reads, line splitting, completion
// candidates, edit-distance hints, and the renderers (display width, tables with Chinese text, wrapping, chart,
// progress bar text).
import SFTShell
import SFT
import XCTest

final class ShellUnitTests: XCTestCase {
    func testSettingsValidateAndReadTyped() throws {
        var s = Settings()
        XCTAssertEqual(s.double("learning-rate"), 1e-4)
        XCTAssertEqual(s.int("batch-size"), 8)
        XCTAssertEqual(s.list("lora-targets"), ["q", "k", "v", "o"])
        XCTAssertEqual(s.string("optimizer"), "adamw")
        try s.set("learning-rate", "1")
        XCTAssertEqual(s.double("learning-rate"), 1)
        XCTAssertThrowsError(try s.set("learning-rate", "5")) {
            XCTAssertEqual(($0 as? SFTError)?.message, "learning-rate must be in (0, 1], got 5")
        }
        XCTAssertThrowsError(try s.set("learning-rate", "0"))
        XCTAssertThrowsError(try s.set("lora-dropout", "1"))
        XCTAssertNoThrow(try s.set("lora-dropout", "0.99"))
        XCTAssertThrowsError(try s.set("max-seq-len", "15"))
        XCTAssertThrowsError(try s.set("batch-size", "2.5")) {
            XCTAssertEqual(($0 as? SFTError)?.message, "batch-size must be an integer, got '2.5'")
        }
        try s.set("lora-targets", "up,down,up")
        XCTAssertEqual(s.list("lora-targets"), ["up", "down"])
        XCTAssertThrowsError(try s.set("learning-rat", "0.1")) {
            XCTAssertEqual(($0 as? SFTError)?.hint, "did you mean 'learning-rate'? `get` lists all settings")
        }
        try s.reset("learning-rate")
        XCTAssertEqual(s.double("learning-rate"), 1e-4)
    }

    func testSeedReseedsTheGenerator() throws {
        let a = Session(), b = Session()
        try a.set("seed", "7"); try b.set("seed", "7")
        XCTAssertEqual(a.rng.next(), b.rng.next())
    }

    func testLineSplitterQuotesEscapesAndSemicolons() throws {
        let c = try LineSplitter.split(#"set system "a b; c" ; get 'x y' z\ w"#)
        XCTAssertEqual(c.map(\.words), [["set", "system", "a b; c"], ["get", "x y", "z w"]])
        XCTAssertEqual(c[0].text, #"set system "a b; c""#)
        XCTAssertEqual(try LineSplitter.split(#"a "" b"#).first?.words, ["a", "", "b"])
        XCTAssertThrowsError(try LineSplitter.split(#"set system "oops"#))
        XCTAssertEqual(try LineSplitter.split("  ;; ").count, 0)
    }

    func testCompletionCandidates() {
        let s = Settings()
        XCTAssertEqual(Completer.candidates(forLine: "st", settings: s), ["status"])
        XCTAssertEqual(Completer.candidates(forLine: "session ", settings: s), ["save", "load", "list"])
        XCTAssertEqual(Completer.candidates(forLine: "session save --f", settings: s), ["--force"])
        XCTAssertEqual(Completer.candidates(forLine: "set lora-t", settings: s), ["lora-targets"])
        XCTAssertEqual(Completer.candidates(forLine: "set optimizer ", settings: s), ["adamw"])
        XCTAssertEqual(Completer.candidates(forLine: "help se", settings: s), ["set", "session", "serve"])
        XCTAssertNil(Completer.candidates(forLine: "run ses", settings: s))          // file paths
        XCTAssertEqual(Completer.candidates(forLine: "status --", settings: s), ["--all", "--help"])   // status --all adds the math libraries
    }

    func testStatusLineCountsWhatPackingDid() {
        XCTAssertEqual(StepShapeText.text(StepShape(rows: 3, conversations: 9, positions: 690, trained: 200), packing: true),
                       "3 rows = 9 chats packed, 690 tokens")
        XCTAssertEqual(StepShapeText.text(StepShape(rows: 4, conversations: 4, positions: 1024, trained: 300), packing: false), "4 chats, 1024 tokens")
        XCTAssertEqual(StepShapeText.text(StepShape(rows: 1, conversations: 1, positions: 1, trained: 1), packing: true), "1 chat, 1 token")
    }

    func testEditDistanceHints() {
        XCTAssertEqual(EditDistance.distance("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.nearest(to: "stauts", in: ["status", "set"]), "status")
        XCTAssertNil(EditDistance.nearest(to: "zzzzzz", in: ["status", "set"]))
    }

    func testDisplayWidthCountsCJKTwoAndMarksZero() {
        XCTAssertEqual(DisplayWidth.of("abc"), 3)
        XCTAssertEqual(DisplayWidth.of("你好"), 4)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)            // e + combining acute
        XCTAssertEqual(DisplayWidth.of("ｈｉ"), 4)                 // fullwidth Latin
        XCTAssertEqual(DisplayWidth.of("\u{1B}[31mred\u{1B}[0m"), 3)
        XCTAssertEqual(DisplayWidth.of("한국어"), 6)
    }

    func testTableAlignsByDisplayWidth() {
        var t = Table([Table.Column("name"), Table.Column("n", right: true)])
        t.add(["中文数据", "12"]); t.add(["abc", "3"])
        XCTAssertEqual(t.render(), ["name       n", "--------  --", "中文数据  12", "abc        3"])
    }

    func testWrapByDisplayWidth() {
        XCTAssertEqual(TextWrap.wrap("one two three four", width: 9), ["one two", "three", "four"])
        XCTAssertEqual(TextWrap.wrap("你好世界你好", width: 5), ["你好", "世界", "你好"])
        XCTAssertEqual(TextWrap.wrap("a", width: 10, indent: "  "), ["  a"])
    }

    func testLineChartAndProgressText() {
        let chart = LineChart.render([3, 2.5, 2, 1.8, 1.7, 1.65], width: 6, height: 4)
        XCTAssertEqual(chart.count, 6)
        XCTAssertTrue(chart[0].hasPrefix("3.000 |*"), chart.joined(separator: "\n"))
        XCTAssertTrue(chart[3].hasPrefix("1.650 |"), chart.joined(separator: "\n"))
        XCTAssertEqual(LineChart.render([]), ["(no data)"])
        let bar = ProgressBar("train", total: 10, unit: "steps", width: 10, isTTY: false)
        bar.update(4)
        XCTAssertTrue(bar.line().hasPrefix("train [####......] 40% 4/10 steps"), bar.line())
        XCTAssertEqual(ProgressBar.seconds(125), "2m05s")
    }

    func testCommandLineOptions() throws {
        XCTAssertEqual(try SFTMain.parse(["-c", "status", "--keep-going"]).commands, ["status"])
        XCTAssertEqual(try SFTMain.parse(["x.sft"]).file, "x.sft")
        XCTAssertThrowsError(try SFTMain.parse(["--nope"]))
        XCTAssertThrowsError(try SFTMain.parse(["a.sft", "-c", "x"]))
    }
}
