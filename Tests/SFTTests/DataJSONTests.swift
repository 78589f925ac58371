// The byte-level JSON parser: values, escapes, surrogate pairs, UTF-8 validation and error offsets,
// checked against hand-written cases and Foundation's JSONSerialization on the same text.
import XCTest
import Foundation
import SFT

final class DataJSONTests: XCTestCase {
    func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    func fails(_ s: String) -> JSONParseError? {
        do { _ = try JSONParser.parse(Array(s.utf8)); return nil } catch { return error }
    }

    func testValues() throws {
        XCTAssertEqual(try parse(" null "), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("-12.5e2"), .number(-1250))
        XCTAssertEqual(try parse("[1, \"a\", [], {}]"), .array([.number(1), .string("a"), .array([]), .object([])]))
        let o = try parse("{\"b\": 1, \"a\": {\"c\": [true, false]}}")
        XCTAssertEqual(o["b"], .number(1))
        XCTAssertEqual(o["a"]?["c"], .array([.bool(true), .bool(false)]))
        guard case .object(let m) = o else { return XCTFail() }
        XCTAssertEqual(m.map(\.key), ["b", "a"])  // file order kept
    }

    func testEscapesAndUnicode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\n\t\r\b\f""#), .string("a\"b\\c/d\n\t\r\u{8}\u{c}"))
        XCTAssertEqual(try parse(#""\u4f60\u597d""#), .string("你好"))
        XCTAssertEqual(try parse(#""\ud83d\ude00 smile""#), .string("😀 smile"))
        XCTAssertEqual(try parse("\"你好 😀\""), .string("你好 😀"))
        XCTAssertEqual(try parse(#""\u00e9t\u00E9""#), .string("été"))
    }

    func testErrorsCarryOffsets() {
        XCTAssertEqual(fails("{\"a\" 1}")?.offset, 5)
        XCTAssertEqual(fails("[1, 2")?.message.contains("unterminated array"), true)
        XCTAssertEqual(fails("\"abc")?.message, "unterminated string")
        XCTAssertNotNil(fails(#""\ud83d alone""#))
        XCTAssertNotNil(fails(#""\x""#))
        XCTAssertNotNil(fails("{\"a\": 1} x"))
        XCTAssertNotNil(fails("tru"))
        XCTAssertNotNil(fails("\"tab\there\""))
        XCTAssertNotNil(fails(String(repeating: "[", count: 1000)))
        XCTAssertNotNil(fails(""))
        let bad: [UInt8] = Array("{\"a\": \"ok".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        do { _ = try JSONParser.parse(bad); XCTFail("invalid UTF-8 accepted") } catch {
            XCTAssertTrue(error.invalidUTF8)
            XCTAssertEqual(error.offset, 9)
        }
    }

    func testUTF8Validator() {
        func check(_ b: [UInt8]) -> Int { b.withUnsafeBufferPointer { firstInvalidUTF8($0) } }
        XCTAssertEqual(check(Array("héllo 你好 😀".utf8)), Array("héllo 你好 😀".utf8).count)
        XCTAssertEqual(check([0x61, 0xC0, 0x80]), 1)        // overlong
        XCTAssertEqual(check([0xED, 0xA0, 0x80]), 0)        // surrogate
        XCTAssertEqual(check([0x61, 0x62, 0xE4, 0xBD]), 2)  // cut off
        XCTAssertEqual(check([0xF5, 0x80, 0x80, 0x80]), 0)  // above U+10FFFF
    }

    /// Same values as JSONSerialization on a mixed document.
    func testAgreesWithFoundation() throws {
        let text = #"{"messages":[{"role":"user","content":"Zeile 1\nZeile \"2\" \u00fc \ud83d\ude80"},{"role":"assistant","content":"好的","n":[1,2.5,-3e-2,true,null]}]}"#
        let mine = try parse(text)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let m = (theirs?["messages"] as? [[String: Any]]) ?? []
        XCTAssertEqual(mine["messages"]?.arrayValue?[0]["content"]?.stringValue, m.first?["content"] as? String)
        XCTAssertEqual(mine["messages"]?.arrayValue?[1]["content"]?.stringValue, m.last?["content"] as? String)
    }
}
