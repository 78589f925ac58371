// The `data` commands that look without changing anything: `data show` (a sample as a chat, or with
// --tokens as the model's chat template token by token), `data find` and `data stats`.
import ArgumentParser
import Foundation
import SFT

struct DataShow: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one sample as a chat (or its tokens with --tokens).",
        discussion: """
            `data show NAME N` or `data show N` (the last loaded dataset); samples are numbered from 1.
            --tokens prints the exact text the model trains on (its chat template), token by token:
            \(DataView.tokenLegend).
            On a terminal, trained tokens are green instead of bracketed.
            """)

    @Argument(help: ArgumentHelp("Dataset name, or the sample number for the last loaded dataset.", valueName: "name-or-n"))
    var first: String

    @Argument(help: ArgumentHelp("Sample number (1 = first).", valueName: "n"))
    var second: String?

    @Flag(help: "Show the rendered chat template with token boundaries and trained tokens (needs a model).")
    var tokens = false

    @Option(help: ArgumentHelp("List samples by score, worst first: ppl or ifd (needs `data score`).", valueName: "ppl|ifd"))
    var sort: String?

    @Option(help: "With --sort: how many to list (default 10).")
    var worst: Int?

    mutating func run(session: Session) throws {
        if sort != nil || worst != nil { return try listSorted(session) }
        let d: Dataset
        let numberText: String
        if let second {
            d = try session.dataset(first); numberText = second
        } else if Int(first) == nil, session.datasets[first] != nil {
            d = try session.dataset(first); numberText = "1"
        } else {
            d = try session.dataset(nil); numberText = first
        }
        guard let n = Int(numberText) else {
            throw SFTError("'\(numberText)' is not a sample number", hint: "data show \(d.name) 1")
        }
        guard n >= 1, n <= d.count else {
            throw SFTError("\(d.name) has samples \(Format.range(1, d.count)), not \(n)", hint: "data show \(d.name) \(max(1, min(n, d.count)))")
        }
        let c = d.conversations[n - 1]
        let place = c.source.map { s in c.line.map { "\(s):\($0)" } ?? s } ?? "typed in the shell"
        let header = Colour.bold("\(d.name) #\(n)") + "  (\(place))"
        if !tokens {
            session.out.print(header)
            if d.isText { return session.out.print(lines: TextWrap.wrap(c.messages[0].content, width: DataView.terminalWidth(), indent: "  ")) }
            return session.out.print(lines: DataView.chat(c, width: DataView.terminalWidth(), colour: Colour.enabled))
        }
        guard let render = session.chatRenderer, let decode = session.tokenDecoder else {
            throw SFTError(noModelMessage, hint: noModelHint)
        }
        let r = d.isText ? session.model!.renderDocument(c.messages[0].content) : try render(c)
        session.out.print(header)
        session.out.print(lines: DataView.tokens(r, decode: decode, width: DataView.terminalWidth(), colour: Colour.enabled))
        session.out.print(DataView.tokenSummary(r, contextLength: session.contextLength))
        session.out.print(Colour.dim(Colour.enabled ? DataView.tokenLegendColour : DataView.tokenLegend))
    }
}

extension DataShow {
    /// `data show NAME --sort ppl|ifd [--worst N]`: a table of the worst samples by score, with file and line.
    func listSorted(_ session: Session) throws {
        guard second == nil else { throw SFTError("--sort lists samples; it takes no sample number", hint: "data show \(first) --sort ifd --worst 5") }
        let key = (sort ?? "ppl").lowercased()
        guard key == "ppl" || key == "ifd" else { throw SFTError("--sort is ppl or ifd, not '\(key)'", hint: "data show \(first) --sort ifd") }
        let n = worst ?? 10
        guard n >= 1 else { throw SFTError("--worst must be >= 1, got \(n)", hint: "data show \(first) --sort \(key) --worst 5") }
        let d = try session.dataset(first)
        if key == "ifd" && d.isText { throw SFTError("\(d.name) is plain text: it has no instructions, so no IFD", hint: "data show \(d.name) --sort ppl") }
        let order = try d.worst(by: key == "ifd")
        session.out.print("\(d.name): \(min(n, order.count)) of \(Plural.count(d.count, "sample")) by \(key), worst first")
        session.out.print(lines: DataView.scoreTable(d, order: Array(order.prefix(n)), width: DataView.terminalWidth()))
    }
}

struct DataFind: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "find", abstract: "Find text (case-insensitive) in every loaded dataset, or one.")

    @Argument(help: "The text; quote it when it has spaces.")
    var text: String

    @Option(name: .customLong("in"), help: "Search only this dataset.")
    var dataset: String?

    @Option(help: "Show at most this many matches.")
    var limit = 20

    mutating func run(session: Session) throws {
        let names = try dataset.map { [try session.dataset($0).name] } ?? session.datasetNames
        if names.isEmpty { throw SFTError("no datasets loaded", hint: "data load FILE loads one") }
        var shown = 0, total = 0, samples = 0
        for name in names {
            guard let d = session.datasets[name] else { continue }
            let hits = d.find(text)
            total += hits.count
            samples += Set(hits.map(\.sample)).count
            for h in hits where shown < limit {
                shown += 1
                session.out.print("\(name) #\(h.sample + 1) \(h.role.rawValue): " + DataView.highlight(h.snippet, h.match, colour: Colour.enabled))
            }
        }
        if total == 0 { return session.out.print("no matches for '\(text)'") }
        session.out.print("\(total) match\(total == 1 ? "" : "es") in \(samples) sample\(samples == 1 ? "" : "s")"
                          + (shown < total ? " (first \(shown) shown; --limit shows more)" : ""))
    }
}

struct DataStats: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Samples, turns, tokens (total and trained), a length histogram, the language mix.",
        discussion: "Without a model, lengths are counted in characters (and labelled so).")

    @Argument(help: "Dataset name (default: the last loaded).")
    var name: String?

    @Option(help: "Bars in the length histogram.")
    var bins = 10

    mutating func run(session: Session) throws {
        guard (1...50).contains(bins) else { throw SFTError("--bins must be in 1...50, got \(bins)", hint: "data stats --bins 10") }
        let d = try session.dataset(name)
        // Samples over max-seq-len are what training cuts (the model's context is longer); a text set is cut
        // into blocks instead, so none is "over".
        let cutAt = min(session.settings.int("max-seq-len"), session.contextLength ?? .max)
        let s = try d.stats(render: d.isText ? session.model.map { m in { m.renderDocument($0.messages[0].content) } } : session.chatRenderer,
                            contextLength: d.isText ? nil : cutAt, bins: bins)
        let o = session.out
        o.print(Colour.bold(d.name) + ": \(Plural.count(s.samples, "sample")), \(Plural.count(s.turns, "turn")) (user and assistant messages); "
                + "\(s.withSystem) with a system prompt, \(s.multiTurn) multi-turn")
        o.print("characters: system \(s.systemChars), user \(s.userChars), assistant \(s.assistantChars)")
        if let tokens = s.tokens, let trained = s.trainedTokens {
            o.print("tokens: \(tokens) total, \(trained) trained (\(DataView.percent(tokens == 0 ? 0 : Double(trained) / Double(tokens))))")
        } else {
            o.print("tokens: \(noModelMessage); lengths below are in characters")
        }
        let unit = s.lengthsInTokens ? "tokens" : "characters"
        o.print(String(format: "length in \(unit) per sample: min %d, mean %.1f, max %d", s.minLength, s.meanLength, s.maxLength))
        o.print(lines: DataView.histogram(s.histogram))
        if let over = s.overContext, let share = s.overContextShare {
            o.print("over max-seq-len \(cutAt) (cut in training): \(over) (\(DataView.percent(share)))")
        }
        if d.isText, let model = session.model {
            let blocks = try model.trainingChats(d, maxSeqLen: session.settings.int("max-seq-len"))
            o.print("plain text: trains as \(blocks.count) block\(blocks.count == 1 ? "" : "s") of up to \(session.settings.int("max-seq-len")) tokens (every token trained)")
        }
        if let scores = d.scores { o.print(lines: DataView.scoreSummary(scores)) }
        o.print("language mix: \(DataView.percent(s.hanShare)) Chinese (\(s.hanChars) Han characters), "
                + "\(DataView.percent(s.hanChars + s.latinWords == 0 ? 0 : 1 - s.hanShare)) Latin script (\(s.latinWords) words)")
    }
}
