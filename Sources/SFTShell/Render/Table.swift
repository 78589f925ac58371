// A text table aligned by display width (a Chinese character counts two columns), for `status`, `get`, `help`
// and later dataset and checkpoint listings. Columns are left-aligned unless marked right (numbers).
// A table wider than the terminal (`Terminal.columns`) is fitted by truncating its widest text cells with "…",
// never by wrapping rows; numbers (right-aligned columns) are never cut.
// Not here: wrapping inside cells (cells are truncated to maxWidth when one is given).

public struct Table {
    public struct Column {
        public var title: String
        public var right: Bool
        public var maxWidth: Int?
        public init(_ title: String, right: Bool = false, maxWidth: Int? = nil) {
            self.title = title; self.right = right; self.maxWidth = maxWidth
        }
    }

    public var columns: [Column]
    public var rows: [[String]] = []
    /// Print the title row and a rule under it.
    public var showHeader: Bool
    /// Spaces between columns.
    public var gap: Int = 2

    public init(_ columns: [Column], showHeader: Bool = true) {
        self.columns = columns
        self.showHeader = showHeader
    }

    /// Plain tables from titles: `Table(["name", "value"])`.
    public init(_ titles: [String], showHeader: Bool = true) {
        self.init(titles.map { Column($0) }, showHeader: showHeader)
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines, without trailing spaces, at most `width` columns wide (default: the terminal's
    /// width when stdout is one; no limit in pipes and transcripts).
    public func render(width: Int? = Terminal.columns) -> [String] {
        var cells: [[String]] = rows.map { row in
            columns.indices.map { i in
                let text = i < row.count ? row[i] : ""
                return columns[i].maxWidth.map { DisplayWidth.truncate(text, to: $0) } ?? text
            }
        }
        var widths = columns.map { showHeader ? DisplayWidth.of($0.title) : 0 }
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        if let width {
            let fitted = Table.fit(widths, into: width - gap * max(0, columns.count - 1),
                                   minimum: columns.map { $0.right ? Int.max : max(6, showHeader ? DisplayWidth.of($0.title) : 0) })
            if fitted != widths {
                widths = fitted
                cells = cells.map { row in row.enumerated().map { i, c in DisplayWidth.truncate(c, to: widths[i]) } }
            }
        }
        let sep = String(repeating: " ", count: gap)
        func line(_ row: [String]) -> String {
            let parts = row.enumerated().map { i, c in DisplayWidth.pad(c, to: widths[i], right: columns[i].right) }
            return stripTrailing(parts.joined(separator: sep))
        }
        var out: [String] = []
        if showHeader {
            out.append(line(columns.map(\.title)))
            out.append(line(widths.map { String(repeating: "-", count: $0) }))
        }
        out += cells.map(line)
        return out
    }

    /// Column widths summing to at most `total`: the widest column that may shrink gives up one column at a
    /// time, none below its minimum (Int.max: never shrinks). Unchanged when they already fit.
    static func fit(_ widths: [Int], into total: Int, minimum: [Int]) -> [Int] {
        var w = widths
        var excess = w.reduce(0, +) - total
        while excess > 0 {
            guard let i = w.indices.filter({ minimum[$0] != Int.max && w[$0] > minimum[$0] }).max(by: { w[$0] < w[$1] }) else { break }
            w[i] -= 1
            excess -= 1
        }
        return w
    }

    private func stripTrailing(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
