// Negative numbers as option values: swift-argument-parser reads `--temperature -1` as the option with its value
// missing and a second option `-1`. Before parsing, a long option followed by a word that is a number with a
// minus sign is joined into `--temperature=-1`, which it reads as intended (and the range check then speaks).
// Positional values are left alone (`set` takes its value words as they come).

enum NegativeNumbers {
    /// `words` with every `--option -NUMBER` pair written as `--option=-NUMBER`.
    static func joined(_ words: [String]) -> [String] {
        var out: [String] = []
        for w in words {
            if isNegativeNumber(w), let prev = out.last, prev.hasPrefix("--"), prev.count > 2, !prev.contains("=") {
                out[out.count - 1] = prev + "=" + w
            } else {
                out.append(w)
            }
        }
        return out
    }

    /// `-1`, `-0.5`, `-.5`, `-1e-3`: a minus sign, then a finite number.
    static func isNegativeNumber(_ w: String) -> Bool {
        guard w.hasPrefix("-"), w.count > 1, let second = w.dropFirst().first, second.isNumber || second == "." else { return false }
        return Double(w).map { $0.isFinite } ?? false
    }
}
