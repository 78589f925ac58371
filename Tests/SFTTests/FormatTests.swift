// Issue 16's wording and writing fixes in the core: one formatter for counts, sizes, big numbers and ranges;
// atomic writes into a missing folder name the folder, never the temporary file; the loss plot of one step
// draws a marker and its legend names only series with data; `model load` on a PEFT adapter points to
// `lora load`.
import Foundation
import SFT
import XCTest

final class FormatTests: XCTestCase {
    func testCountsArePluralExceptForOne() {
        XCTAssertEqual(Format.count(1, "step"), "1 step")
        XCTAssertEqual(Format.count(2, "step"), "2 steps")
        XCTAssertEqual(Format.count(0, "sample"), "0 samples")
        XCTAssertEqual(Format.count(1, "entry", "entries"), "1 entry")
        XCTAssertEqual(Format.count(3, "entry", "entries"), "3 entries")
    }

    func testSizesUseBinaryUnitsEverywhere() {
        XCTAssertEqual(Format.size(Int64(713)), "713 B")
        XCTAssertEqual(Format.size(Int64(1843)), "1.8 KiB")
        XCTAssertEqual(Format.size(Int64(3_670_016)), "3.5 MiB")
        XCTAssertEqual(Format.size(Int64(564_133_888)), "538.0 MiB")
        XCTAssertEqual(Format.size(Int64(1_342_177_280)), "1.25 GiB")
        XCTAssertEqual(ByteCount.text(3_670_016), "3.5 MiB", "the core's error messages use the same units")
    }

    func testBigNumbersReadAsKAndM() {
        XCTAssertEqual(Format.big(9_999), "9999")
        XCTAssertEqual(Format.big(921_600), "921.6 k")
        XCTAssertEqual(Format.big(3_686_400), "3.69 M")
        XCTAssertEqual(Format.big(134_515_008), "134.52 M")
        XCTAssertEqual(Format.big(-20_000), "-20.0 k")
    }

    func testRangesAreWordsNotSwiftSyntax() {
        XCTAssertEqual(Format.range(1, 24), "1 to 24")
        XCTAssertEqual(Format.range(5, 5), "5")
        XCTAssertFalse(Format.range(1, 24).contains("..."))
    }

    func testAtomicWriteIntoMissingFolderNamesTheFolderNotTheTemporaryFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-format-\(UUID().uuidString)").path
        try AtomicFile.makeDirectory(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try AtomicFile.write("<svg/>", to: URL(fileURLWithPath: dir + "/missing/x.svg"))) { e in
            let err = e as! SFTError
            XCTAssertEqual(err.message, "folder \(dir)/missing does not exist")
            XCTAssertFalse(err.description.contains(".tmp"), err.description)
            XCTAssertTrue(err.hint?.contains("mkdir -p \(dir)/missing") ?? false, err.description)
        }
        // A file where a folder should be is said so.
        try AtomicFile.write(Data("x".utf8), to: dir + "/plain")
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: dir + "/plain/x.gguf")) { e in
            XCTAssertEqual((e as! SFTError).message, "\(dir)/plain is not a folder")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["plain"], "no temporary file is left")
    }

    func testLossPlotOfOneStepDrawsAMarkerAndNoValidLegend() throws {
        let json = #"{"steps": [{"step": 1, "loss": 2.5, "lr": 0.0001, "gradNorm": 1, "tokensPerSecond": 10, "skipped": false}], "evals": []}"#
        let log = try JSONDecoder().decode(MetricsLog.self, from: Data(json.utf8))
        let svg = SVGPlot.lossPlot(log, title: "one step")
        XCTAssertTrue(svg.contains("<circle"), svg)
        XCTAssertTrue(svg.contains(">train loss</text>"), svg)
        XCTAssertFalse(svg.contains("valid loss"), "no validation data, no legend entry:\n" + svg)
    }

    func testModelLoadOnAPEFTAdapterPointsToLoraLoad() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/peft/adapter").path
        XCTAssertThrowsError(try ChatModel.load(path: dir)) { e in
            let err = e as! SFTError
            XCTAssertEqual(err.message, "this is a LoRA adapter (PEFT), not a model")
            XCTAssertEqual(err.hint, "`lora load \(dir)` attaches it to the loaded model")
        }
    }
}
