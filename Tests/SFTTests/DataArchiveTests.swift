// DEFLATE against zlib's own output (Tests/Fixtures/data/deflate.json from scripts/make-data-fixtures.py),
// CRC-32 against its check value, and the ZIP/xlsx readers on the shipped sample and a truncated copy.
import XCTest
import Foundation
import SFT

let dataFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/data").path
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

final class DataArchiveTests: XCTestCase {
    func testInflateMatchesZlib() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: dataFixtures + "/deflate.json"))
        let vectors = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertGreaterThan(vectors.count, 10)
        for v in vectors {
            let plain = try XCTUnwrap(Data(base64Encoded: v["plain"] as? String ?? ""))
            let packed = try XCTUnwrap(Data(base64Encoded: v["deflate"] as? String ?? ""))
            let out = try Inflate.decompress([UInt8](packed))
            XCTAssertEqual(out, [UInt8](plain), "level \(v["level"] ?? "?"), \(plain.count) bytes")
        }
    }

    func testInflateRejectsGarbage() {
        XCTAssertThrowsError(try Inflate.decompress([]))
        XCTAssertThrowsError(try Inflate.decompress([0x07]))               // block type 3
        XCTAssertThrowsError(try Inflate.decompress([0x01, 0x05, 0x00, 0x00, 0x00]))  // stored, bad NLEN
        var rng = DataShuffleRNG(seed: 3)
        for _ in 0..<200 {  // random bytes: must throw or return, never trap
            let junk = (0..<64).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = try? Inflate.decompress(junk)
        }
    }

    func testCRC32() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testXLSXSample() throws {
        let rows = try XLSXReader.readFirstSheet(path: packageRoot + "/sessions/data/qa.xlsx")
        XCTAssertEqual(rows.first?.cells, ["问题", "回答"])
        XCTAssertEqual(rows.count, 21)
        XCTAssertEqual(rows[1].row, 2)
        XCTAssertEqual(rows[1].cells[0], "How many minutes are in a day?")
        XCTAssertTrue(rows[1].cells[1].hasPrefix("There are 1,440"))  // the inline string cell
    }

    /// Rich text runs, phonetic guides, cells without r=, gaps, numbers, booleans, formula strings, and
    /// stored next to deflated parts (Tests/Fixtures/data/rich.xlsx from scripts/make-sample-xlsx.py).
    func testXLSXCellForms() throws {
        let path = dataFixtures + "/rich.xlsx"
        let rows = try XLSXReader.readFirstSheet(path: path)
        XCTAssertEqual(rows.map(\.row), [1, 2, 4, 5, 6])
        XCTAssertEqual(rows.map(\.cells), [
            ["system", "", "prompt", "response"],
            ["", "", "Bold and plain", "漢字"],
            ["Be brief.", "", "inline runs", "42"],
            ["", "", "x < y & \"z\"", "TRUE"],
            ["", "", "formula text", "x < y & \"z\""],
        ])
        let d = try Dataset.load(path)
        XCTAssertEqual(d.count, 4)
        XCTAssertEqual(d.conversations[1].messages, [Message(.system, "Be brief."), Message(.user, "inline runs"), Message(.assistant, "42")])
        XCTAssertEqual(d.conversations.map(\.line), [2, 4, 5, 6])
    }

    func testTruncatedXLSX() {
        XCTAssertThrowsError(try XLSXReader.readFirstSheet(path: dataFixtures + "/bad/truncated.xlsx")) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("truncated.xlsx"), s)
            XCTAssertTrue(s.contains("hint:"), s)
        }
    }

    func testCSVReader() {
        let text = Array("a,b\r\n\"x\ny\",\"q\"\"q\"\n,\nlast,row".utf8)
        let r = text.withUnsafeBufferPointer { CSVReader.read($0, delimiter: 0x2C) }
        XCTAssertEqual(r.rows.map(\.cells), [["a", "b"], ["x\ny", "q\"q"], ["", ""], ["last", "row"]])
        XCTAssertEqual(r.rows.map(\.row), [1, 2, 4, 5])
        XCTAssertNil(r.unterminatedQuoteLine)
    }
}
