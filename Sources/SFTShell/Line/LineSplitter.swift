// Splitting a typed line into commands (at unquoted `;`) and each command into words, the way a POSIX shell
// would for the simple cases: "double quotes" (with \" and \\ inside), 'single quotes' (literal), and a
// backslash escaping the next character. No variables, globs or pipes.
import SFT

public enum LineSplitter {
    /// One command from a line: the source text (for echoing) and its words.
    public struct Command: Equatable {
        public var text: String
        public var words: [String]
    }

    /// The commands on a line; empty ones (`;;`, blank) are dropped. Throws on an unterminated quote.
    public static func split(_ line: String) throws -> [Command] {
        var commands: [Command] = []
        var words: [String] = []
        var word = "", inWord = false, text = ""
        var quote: Character? = nil
        var escaped = false
        func endWord() { if inWord { words.append(word) }; word = ""; inWord = false }
        func endCommand() {
            endWord()
            let t = text.trimmingCharacters(in: .whitespaces)
            if !words.isEmpty { commands.append(Command(text: t, words: words)) }
            words = []; text = ""
        }
        for c in line {
            if escaped {
                word.append(c); inWord = true; escaped = false; text.append(c); continue
            }
            if let q = quote {
                text.append(c)
                if c == q { quote = nil }
                else if c == "\\" && q == "\"" { escaped = true }
                else { word.append(c) }
                continue
            }
            switch c {
            case "\\": escaped = true; text.append(c)
            case "\"", "'": quote = c; inWord = true; text.append(c)
            case ";": endCommand()
            case " ", "\t": endWord(); text.append(c)
            default: word.append(c); inWord = true; text.append(c)
            }
        }
        if let q = quote {
            throw SFTError("unterminated \(q) quote", hint: "close the quote, or escape it with a backslash")
        }
        if escaped { word.append("\\") }
        endCommand()
        return commands
    }

    /// The words of a line prefix, for completion: the finished words and the (unquoted) word being typed.
    public static func wordsForCompletion(_ prefix: String) -> (done: [String], current: String) {
        let attempts = [prefix + "\u{1}", prefix + "\u{1}\"", prefix + "\u{1}'"]   // an open quote is fine here
        let lastCommand = attempts.lazy.compactMap { try? split($0) }.first?.last?.words ?? []
        var words = lastCommand
        guard var current = words.popLast() else { return ([], "") }
        current.removeLast()          // the \u{1} marker: tells a trailing space from a word in progress
        return (words, current)
    }
}
