// Display width of text in terminal columns: East Asian wide and fullwidth characters (CJK, Hangul, kana,
// fullwidth forms, most emoji) take 2 columns, combining marks and zero-width format characters take 0,
// everything else 1. ANSI colour escapes (ESC [ ... m) take 0, so coloured cells still align.
// Not here: bidirectional text, tabs (callers expand them first).

public enum DisplayWidth {
    /// Columns one Unicode scalar takes on its own.
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v == 0 || v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if isZeroWidth(s) { return 0 }
        return isWide(v) ? 2 : 1
    }

    /// Columns one grapheme cluster takes: its base scalar's width; an emoji presentation selector makes it 2.
    public static func of(_ c: Character) -> Int {
        var width = 0
        for s in c.unicodeScalars {
            if s.value == 0xFE0F { return 2 }
            if width == 0 { width = of(s) }
        }
        return width
    }

    /// Columns a string takes, skipping ANSI SGR escapes.
    public static func of(_ text: String) -> Int {
        var total = 0
        var inEscape = false
        for c in text {
            if inEscape { if c == "m" { inEscape = false }; continue }
            if c == "\u{1B}" { inEscape = true; continue }
            total += of(c)
        }
        return total
    }

    /// The text padded with spaces to `width` columns (left-aligned, or right-aligned when `right`).
    public static func pad(_ text: String, to width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - of(text)))
        return right ? fill + text : text + fill
    }

    /// The longest prefix of the text that fits in `width` columns, with "…" when anything was cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        if of(text) <= width { return text }
        var out = "", used = 0
        for c in text {
            let w = of(c)
            if used + w > width - 1 { break }
            out.append(c); used += w
        }
        return out + "…"
    }

    static func isZeroWidth(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return s.value != 0x00AD
        default: break
        }
        let v = s.value
        return (0x1160...0x11FF).contains(v) || v == 0x200B
    }

    /// East Asian Width W or F (Unicode 15 ranges, condensed) plus the wide emoji blocks.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD,
             0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797,
             0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18CFF, 0x1B000...0x1B2FF,
             0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F,
             0x1F680...0x1F6FF, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
