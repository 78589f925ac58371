// Wrapping text to a width in display columns: breaks at spaces, and inside a word only when the word alone is
// wider than the line (long paths, or CJK text, which has no spaces and may break between any two characters).

public enum TextWrap {
    /// The lines of `text` (one paragraph; newlines in it start new lines) no wider than `width` columns.
    public static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        let width = max(1, width - DisplayWidth.of(indent))
        var out: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", used = 0
            func flush() { out.append(indent + line); line = ""; used = 0 }
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                let w = DisplayWidth.of(String(word))
                if used > 0 && used + 1 + w <= width { line += " " + word; used += 1 + w; continue }
                if used > 0 { flush() }
                if w <= width { line = String(word); used = w; continue }
                for c in word {        // a word wider than the line: break between characters
                    let cw = DisplayWidth.of(c)
                    if used + cw > width { flush() }
                    line.append(c); used += cw
                }
            }
            flush()
        }
        return out
    }
}
