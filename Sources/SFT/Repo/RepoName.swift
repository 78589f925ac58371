// Entry names become file names (`manifests/<name>.json`), so they are checked before any path is built:
// 1 to 64 characters, each a Unicode letter, mark or digit (so `中文-lora` works) or one of `.`, `_`, `-`;
// starting with a letter or digit; no `..`. Separators, control characters, spaces and anything else are
// refused with a hint. Names are normalised to NFC so the same name typed two ways is one entry.
import Foundation

public enum RepoName {
    public static let maxLength = 64

    /// Returns the name in NFC form, or throws an error that says what is wrong and what is allowed.
    public static func validate(_ raw: String) throws -> String {
        let name = raw.precomposedStringWithCanonicalMapping
        let hint = "use letters, digits, '.', '_' and '-' (at most \(maxLength) characters, starting with a letter or digit), e.g. smol-chat-v1"
        func fail(_ why: String) -> SFTError { SFTError("invalid entry name \(quoted(raw)): \(why)", hint: hint) }
        guard !name.isEmpty else { throw fail("it is empty") }
        guard name.count <= maxLength else { throw fail("it has \(name.count) characters, more than \(maxLength)") }
        for s in name.unicodeScalars where !allowed(s) {
            if s == "/" || s == "\\" { throw fail("it contains a path separator '\(s)'") }
            if s.properties.generalCategory == .control || s.value == 0 { throw fail("it contains a control character") }
            if s.properties.isWhitespace { throw fail("it contains a space") }
            throw fail("character '\(s)' is not allowed")
        }
        guard let first = name.unicodeScalars.first, isLetterOrDigit(first) else {
            throw fail("it must start with a letter or digit")
        }
        guard !name.contains("..") else { throw fail("it contains '..'") }
        return name
    }

    private static func allowed(_ s: Unicode.Scalar) -> Bool {
        s == "." || s == "_" || s == "-" || isLetterOrDigit(s) || isMark(s)
    }

    private static func isLetterOrDigit(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: true
        default: false
        }
    }

    private static func isMark(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark: true
        default: false
        }
    }

    /// The name in quotes with control characters escaped, safe to print.
    static func quoted(_ s: String) -> String {
        var out = "'"
        for u in s.unicodeScalars.prefix(80) {
            if u.properties.generalCategory == .control { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
        return out + (s.unicodeScalars.count > 80 ? "...'" : "'")
    }
}
