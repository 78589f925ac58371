// `tokens TEXT` / `tokens --file F`: the token calculator. How many tokens a text costs with the active
// model's tokenizer, characters per token, tokens per Chinese character and per English word, and on request
// the ids and the pieces.
import ArgumentParser
import Foundation
import SFT

struct TokensCommand: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Count the tokens of a text with the active model's tokenizer.")

    @Argument(help: "The text (quote it, or give several words).")
    var words: [String] = []

    @Option(help: "Read the text from a file instead.")
    var file: String?

    @Flag(help: "Print the token ids.")
    var ids = false

    @Flag(help: "Print each token's text, separated by |.")
    var pieces = false

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let text: String
        if let file {
            let path = (file as NSString).expandingTildeInPath
            let data = try RegularFile.read(path, limit: 256 << 20, what: "text file")
            guard let s = String(data: data, encoding: .utf8) else {
                throw SFTError("the file is not valid UTF-8", hint: "convert it to UTF-8 first", file: file)
            }
            text = s
        } else {
            guard !words.isEmpty else { throw SFTError("no text given", hint: "tokens \"你好, world\"  or  tokens --file notes.txt") }
            text = words.joined(separator: " ")
        }
        let s = tokenStats(text: text, tokenizer: m.tokenizer)
        // one figure per line: mixed text's summary on one line ran past 80 columns
        session.out.print("\(Plural.count(s.count, "token")), \(Plural.count(s.characters, "character")), " + String(format: "%.2f chars/token", s.charactersPerToken))
        if let h = s.tokensPerHanCharacter {
            session.out.print(String(format: "%.2f tokens per Chinese character", h) + " (\(Plural.count(s.hanCharacters, "Chinese character")))")
        }
        if let w = s.tokensPerEnglishWord {
            session.out.print(String(format: "%.2f tokens per English word", w) + " (\(Plural.count(s.englishWords, "English word")))")
        }
        if ids { session.out.print("ids: " + s.ids.map(String.init).joined(separator: " ")) }
        if pieces {
            let shown = s.pieces.map { $0.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t") }
            session.out.print("pieces: |" + shown.joined(separator: "|") + "|")
        }
    }
}
