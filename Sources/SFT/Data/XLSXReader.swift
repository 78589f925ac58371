// Reads the first worksheet of an .xlsx file into rows of strings: shared strings (rich text runs joined,
// phonetic runs skipped), inline strings, formula string results and numbers as written. Uses ZipReader for
// the archive and Foundation's XMLParser for the parts. Not here: formulas, dates, styles, other sheets.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One row of a question/answer table; `row` is the 1-based row (xlsx) or starting line (csv).
public struct TableRow: Equatable, Sendable {
    public var row: Int
    public var cells: [String]
    public init(row: Int, cells: [String]) { self.row = row; self.cells = cells }
}

public enum XLSXReader {
    public static func readFirstSheet(path: String) throws -> [TableRow] {
        let zip = try ZipReader(path: path)
        let shared = zip.entry("xl/sharedStrings.xml") == nil ? [] : try parseSharedStrings(zip.extract("xl/sharedStrings.xml"), path)
        let sheet = try firstSheetPath(zip)
        return try parseSheet(zip.extract(sheet), shared: shared, path: path)
    }

    /// The first `<sheet>` in workbook.xml, resolved through its relationship id; sheet1.xml as a fallback.
    static func firstSheetPath(_ zip: ZipReader) throws -> String {
        let fallback = "xl/worksheets/sheet1.xml"
        guard zip.entry("xl/workbook.xml") != nil, zip.entry("xl/_rels/workbook.xml.rels") != nil else {
            if zip.entry(fallback) != nil { return fallback }
            throw SFTError("no worksheet in this .xlsx file", hint: "save the spreadsheet with at least one sheet", file: zip.path)
        }
        let wb = XMLCollector(elements: ["sheet"])
        try wb.run(zip.extract("xl/workbook.xml"), zip.path)
        let rels = XMLCollector(elements: ["Relationship"])
        try rels.run(zip.extract("xl/_rels/workbook.xml.rels"), zip.path)
        if let first = wb.found.first, let rid = first["r:id"] ?? first.first(where: { $0.key.hasSuffix(":id") })?.value,
           let rel = rels.found.first(where: { $0["Id"] == rid }), let target = rel["Target"] {
            let full = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            if zip.entry(full) != nil { return full }
        }
        if zip.entry(fallback) != nil { return fallback }
        throw SFTError("cannot find the first worksheet in this .xlsx file", hint: "re-save it from Excel or LibreOffice", file: zip.path)
    }

    static func parseSharedStrings(_ xml: [UInt8], _ path: String) throws -> [String] {
        let d = SharedStringsDelegate()
        try runParser(xml, d, path, part: "sharedStrings.xml")
        return d.strings
    }

    static func parseSheet(_ xml: [UInt8], shared: [String], path: String) throws -> [TableRow] {
        let d = SheetDelegate(shared: shared)
        try runParser(xml, d, path, part: "worksheet")
        if let bad = d.badIndex { throw SFTError("worksheet refers to shared string \(bad), but there are \(shared.count)",
                                                  hint: "the file is corrupt; re-save it", file: path) }
        return d.rows.map { r in
            let width = (r.cells.keys.max() ?? -1) + 1
            var cells = [String](repeating: "", count: width)
            for (c, v) in r.cells { cells[c] = v }
            return TableRow(row: r.number, cells: cells)
        }
    }

    static func runParser(_ xml: [UInt8], _ delegate: XMLParserDelegate, _ path: String, part: String) throws {
        let parser = XMLParser(data: Data(xml))
        parser.delegate = delegate
        guard parser.parse() else {
            let why = parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"
            throw SFTError("the \(part) part is not valid XML (line \(parser.lineNumber)): \(why)",
                           hint: "the file is corrupt; re-save it from Excel or LibreOffice", file: path)
        }
    }

    /// Excel's limit; a reference past it is ignored (the cell takes the next column).
    static let maxColumns = 16384

    /// "BC12" -> 54 (0-based column of the letters).
    static func column(of ref: String) -> Int? {
        var col = 0, seen = false
        for u in ref.utf8 {
            guard u >= 0x41 && u <= 0x5A else { break }
            col = col * 26 + Int(u - 0x40)
            seen = true
            if col > maxColumns { return nil }   // past XFD (16384): a damaged reference, not a column
        }
        return seen ? col - 1 : nil
    }
}

/// Collects the attributes of every element with one of the given names.
final class XMLCollector: NSObject, XMLParserDelegate {
    let elements: Set<String>
    var found: [[String: String]] = []
    init(elements: Set<String>) { self.elements = elements }
    func run(_ xml: [UInt8], _ path: String) throws { try XLSXReader.runParser(xml, self, path, part: "workbook") }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if elements.contains(name) { found.append(attributes) }
    }
}

/// `<si>` items: text of every `<t>` inside, except inside `<rPh>` (phonetic guides).
final class SharedStringsDelegate: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = "", inT = false, inPhonetic = false
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "si": current = ""
        case "t": inT = true
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si": strings.append(current)
        case "t": inT = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inT && !inPhonetic { current += string }
    }
}

/// `<row r=..><c r=.. t=..><v>..</v> or <is><t>..</t></is></c></row>`.
final class SheetDelegate: NSObject, XMLParserDelegate {
    struct Row { var number: Int; var cells: [Int: String] = [:] }
    let shared: [String]
    var rows: [Row] = []
    var badIndex: Int?
    var cellType = "", cellColumn = 0, nextColumn = 0, text = "", inValue = false, inInline = false, inPhonetic = false

    init(shared: [String]) { self.shared = shared }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "row":
            let n = attributes["r"].flatMap { Int($0) } ?? ((rows.last?.number ?? 0) + 1)
            rows.append(Row(number: n))
            nextColumn = 0
        case "c":
            cellType = attributes["t"] ?? "n"
            cellColumn = attributes["r"].flatMap { XLSXReader.column(of: $0) } ?? nextColumn
            nextColumn = cellColumn + 1
            text = ""
        case "v": inValue = true
        case "is": inInline = true
        case "rPh": inPhonetic = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v": inValue = false
        case "is": inInline = false
        case "rPh": inPhonetic = false
        case "c":
            guard !rows.isEmpty else { return }
            var value = text
            if cellType == "s" {
                if let k = Int(text.trimmingCharacters(in: .whitespaces)), k >= 0, k < shared.count { value = shared[k] }
                else { badIndex = Int(text) ?? -1; value = "" }
            } else if cellType == "b" {
                value = text == "1" ? "TRUE" : "FALSE"
            }
            if !value.isEmpty, cellColumn < XLSXReader.maxColumns { rows[rows.count - 1].cells[cellColumn] = value }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if (inValue || inInline) && !inPhonetic { text += string }
    }
}
