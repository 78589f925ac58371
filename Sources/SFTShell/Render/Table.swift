// A text table aligned by display width (a Chinese character counts two columns), for `status`, `get`, `help`
// and later dataset and checkpoint listings. Columns are left-aligned unless marked right (numbers).
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

    /// The table as lines, without trailing spaces.
    public func render() -> [String] {
        let cells: [[String]] = rows.map { row in
            columns.indices.map { i in
                let text = i < row.count ? row[i] : ""
                return columns[i].maxWidth.map { DisplayWidth.truncate(text, to: $0) } ?? text
            }
        }
        var widths = columns.map { showHeader ? DisplayWidth.of($0.title) : 0 }
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
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

    private func stripTrailing(_ s: String) -> String {
        var s = s
        while s.last == " " { s.removeLast() }
        return s
    }
}
