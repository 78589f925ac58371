// RFC 4180 CSV (and tab-separated) reading over bytes: quoted fields may hold commas, newlines and doubled
// quotes; CRLF or LF line ends; a UTF-8 BOM is skipped by the caller. Each row keeps the line it starts on,
// so problems point at the right place. Not here: header detection and column mapping (DataTable.swift).

public struct CSVReadResult: Sendable {
    public var rows: [TableRow]
    public var delimiter: UInt8
    /// Set when a quoted field never closes: the line it opened on. Rows before it are kept.
    public var unterminatedQuoteLine: Int?
    /// Lines where a quote appears after other text in an unquoted field, or text follows a closing quote.
    public var strayQuoteLines: [Int]
    /// Set when a field grew past `maxField` bytes: the line it started on; reading stopped there.
    public var overlongFieldLine: Int? = nil
}

public enum CSVReader {
    /// Picks tab when the first line holds more tabs than commas (outside quotes), else comma.
    public static func detectDelimiter(_ b: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var tabs = 0, commas = 0, quoted = false
        for c in b {
            if c == 0x22 { quoted.toggle() }
            if quoted { continue }
            if c == 0x0A { break }
            if c == 0x09 { tabs += 1 } else if c == 0x2C { commas += 1 }
        }
        return tabs > commas ? 0x09 : 0x2C
    }

    /// Splits `b` into rows. Invalid UTF-8 inside a field is replaced (U+FFFD); the loader checks UTF-8 first.
    public static func read(_ b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, maxField: Int = Int.max) -> CSVReadResult {
        var rows: [TableRow] = []
        var stray: [Int] = []
        var cells: [String] = []
        var field: [UInt8] = []
        var line = 1, rowStart = 1
        var i = 0
        let n = b.count
        var fieldStarted = false
        func endField() { cells.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < n {
            let c = b[i]
            if c == 0x22 && field.isEmpty && !fieldStarted {
                // Quoted field: read to the closing quote; "" is a literal quote.
                let openLine = line
                i += 1
                var closed = false
                while i < n {
                    let q = b[i]
                    if q == 0x22 {
                        if i + 1 < n && b[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        closed = true; i += 1; break
                    }
                    if q == 0x0A { line += 1 }
                    field.append(q)
                    i += 1
                    if field.count > maxField {
                        return CSVReadResult(rows: rows, delimiter: delimiter, strayQuoteLines: stray, overlongFieldLine: openLine)
                    }
                }
                if !closed {
                    return CSVReadResult(rows: rows, delimiter: delimiter, unterminatedQuoteLine: openLine, strayQuoteLines: stray)
                }
                fieldStarted = true
                // After the closing quote only a delimiter or a line end may follow.
                if i < n, b[i] != delimiter, b[i] != 0x0A, b[i] != 0x0D {
                    if stray.last != line { stray.append(line) }
                }
                continue
            }
            if c == delimiter { endField(); fieldStarted = false; i += 1; continue }
            if c == 0x0A || c == 0x0D {
                endField()
                fieldStarted = false
                if !(cells.count == 1 && cells[0].isEmpty) { rows.append(TableRow(row: rowStart, cells: cells)) }
                cells.removeAll(keepingCapacity: true)
                if c == 0x0D, i + 1 < n, b[i + 1] == 0x0A { i += 1 }
                i += 1
                line += 1
                rowStart = line
                continue
            }
            if c == 0x22 && stray.last != line { stray.append(line) }
            field.append(c)
            fieldStarted = true
            i += 1
            if field.count > maxField {
                return CSVReadResult(rows: rows, delimiter: delimiter, strayQuoteLines: stray, overlongFieldLine: line)
            }
        }
        if fieldStarted || !field.isEmpty || !cells.isEmpty {
            endField()
            if !(cells.count == 1 && cells[0].isEmpty) { rows.append(TableRow(row: rowStart, cells: cells)) }
        }
        return CSVReadResult(rows: rows, delimiter: delimiter, unterminatedQuoteLine: nil, strayQuoteLines: stray)
    }
}
