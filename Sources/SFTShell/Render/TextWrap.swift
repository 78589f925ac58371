// Wrapping text to a width in display columns: breaks at spaces, and inside a word only when the word alone is
// wider than the line (long paths, or CJK text, which has no spaces and may break between any two characters).

public enum TextWrap {
    /// The lines of `text` (one paragraph; newlines in it start new lines) no wider than `width` columns.
    public static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        let width = max(1, width - DisplayWidth.of(indent))
        var out: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            // Text is shown exactly: leading indentation and runs of spaces stay; only the spaces where a line
            // breaks go.
            let lead = paragraph.prefix { $0 == " " }
            var line = String(lead.prefix(max(0, width - 1))), used = DisplayWidth.of(line)
            func flush() { out.append(indent + line); line = ""; used = 0 }
            var gap = ""
            var rest = paragraph.dropFirst(lead.count)
            while !rest.isEmpty {
                let word = rest.prefix { $0 != " " }
                rest = rest.dropFirst(word.count)
                let spaces = rest.prefix { $0 == " " }
                rest = rest.dropFirst(spaces.count)
                let w = DisplayWidth.of(String(word)), g = DisplayWidth.of(gap)
                if word.isEmpty { gap += spaces; continue }
                if used > 0 && used + g + w <= width { line += gap + word; used += g + w; gap = String(spaces); continue }
                if used > 0 && !(line.allSatisfy { $0 == " " }) { flush() }
                if used + w <= width { line += word; used += w; gap = String(spaces); continue }
                for c in word {        // a word wider than the line: break between characters
                    let cw = DisplayWidth.of(c)
                    if used + cw > width { flush() }
                    line.append(c); used += cw
                }
                gap = String(spaces)
            }
            flush()
        }
        return out
    }
}
