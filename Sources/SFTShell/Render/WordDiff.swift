// Word-level difference of two answers, for probes: the longest common subsequence of words (a run of
// non-space characters, or one CJK character, so Chinese answers diff by character), then the removed words
// marked `[-old-]` and the added ones `{+new+}` (red and green on a terminal instead of the marks).
import Foundation

enum WordDiff {
    /// Words and the spaces after them, so joining them gives the text back.
    static func words(_ s: String) -> [String] {
        var out: [String] = [], cur = ""
        for ch in s {
            let cjk = ch.unicodeScalars.first.map { (0x2E80...0x9FFF).contains($0.value) || (0xF900...0xFAFF).contains($0.value) || (0xFF00...0xFFEF).contains($0.value) } ?? false
            if ch.isWhitespace { cur.append(ch); continue }
            if cjk || (!cur.isEmpty && cur.last!.isWhitespace) { if !cur.isEmpty { out.append(cur) }; cur = "" }
            cur.append(ch)
            if cjk { out.append(cur); cur = "" }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    enum Part: Equatable { case same(String), removed(String), added(String) }

    /// The edit from `old` to `new` as parts in order (LCS over words, compared without trailing spaces).
    static func parts(_ old: String, _ new: String) -> [Part] {
        let a = words(old), b = words(new)
        let ka = a.map { $0.trimmingCharacters(in: .whitespaces) }, kb = b.map { $0.trimmingCharacters(in: .whitespaces) }
        let n = a.count, m = b.count
        guard n * m <= 4_000_000 else { return [.removed(old), .added(new)] }   // answers are short; stay bounded
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = ka[i] == kb[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [Part] = []
        var i = 0, j = 0
        func push(_ p: Part) {
            switch (out.last, p) {
            case (.same(let x)?, .same(let y)): out[out.count - 1] = .same(x + y)
            case (.removed(let x)?, .removed(let y)): out[out.count - 1] = .removed(x + y)
            case (.added(let x)?, .added(let y)): out[out.count - 1] = .added(x + y)
            default: out.append(p)
            }
        }
        while i < n || j < m {
            if i < n, j < m, ka[i] == kb[j] { push(.same(b[j])); i += 1; j += 1 }
            else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] { push(.removed(a[i])); i += 1 }
            else { push(.added(b[j])); j += 1 }
        }
        return out
    }

    /// The new text with the changes marked.
    static func marked(_ old: String, _ new: String, colour: Bool = Colour.enabled) -> String {
        parts(old, new).map { p -> String in
            switch p {
            case .same(let s): return s
            case .removed(let s):
                let t = s.trimmingCharacters(in: .whitespaces), tail = String(s.dropFirst(t.count))
                return (colour ? Colour.red(t) : "[-\(t)-]") + tail
            case .added(let s):
                let t = s.trimmingCharacters(in: .whitespaces), tail = String(s.dropFirst(t.count))
                return (colour ? Colour.green(t) : "{+\(t)+}") + tail
            }
        }.joined()
    }
}
