// The `data` commands that make or change datasets: `data split` (NAME.train + NAME.valid), `data dedup`,
// `data filter`, `data sample`, `data save` (messages JSONL, atomic) and `data add` (a conversation typed in
// the shell). Randomness uses --seed or the session's `seed` setting, so a script gives the same split.
import ArgumentParser
import Foundation
import SFT

struct DataSplit: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "split", abstract: "Split NAME into NAME.train and NAME.valid (the validation set `eval` uses), and NAME.test with --test.",
        discussion: "--valid 0.1 holds out 10% at random (seeded), --test 0.1 another 10% as NAME.test (for `eval NAME.test`); --valid-file FILE loads a separate validation set as NAME.valid and uses all of NAME as NAME.train.")

    @Argument(help: "The dataset to split.")
    var name: String

    @Option(help: "Fraction for validation, in (0, 1), e.g. 0.1.")
    var valid: Double?

    @Option(help: "Fraction for a test set NAME.test, e.g. 0.1.")
    var test: Double?

    @Option(help: "Load this file as the validation set instead.", completion: .file())
    var validFile: String?

    @Option(help: "Random seed (default: the `seed` setting).")
    var seed: Int?

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        var train = d, held: Dataset
        switch (valid, validFile) {
        case (let f?, nil):
            guard f > 0, f < 1 else { throw SFTError("--valid must be between 0 and 1, got \(f)", hint: "data split \(name) --valid 0.1") }
            guard d.count >= 2 else { throw SFTError("\(name) has \(d.count) sample; a split needs 2 or more", hint: "load more data") }
            if let t = test {
                guard t > 0, t < 1 else { throw SFTError("--test must be between 0 and 1, got \(t)", hint: "data split \(name) --valid 0.1 --test 0.1") }
                let parts = try d.split(validFraction: f, testFraction: t, seed: session.dataSeed(seed))
                (train, held) = (parts.train, parts.valid)
                let r = [session.store(parts.train), session.store(parts.valid), session.store(parts.test)].contains(true)
                return session.out.print("\(parts.train.name): \(Plural.count(parts.train.count, "sample")), \(parts.valid.name): \(Plural.count(parts.valid.count, "sample")), "
                                         + "\(parts.test.name): \(Plural.count(parts.test.count, "sample"))" + (r ? " (replaced the earlier split)" : ""))
            }
            (train, held) = try d.split(validFraction: f, seed: session.dataSeed(seed))
        case (nil, let file?):
            let path = (file as NSString).expandingTildeInPath
            let options = session.loadOptions(format: nil, strict: false, question: nil, answer: nil, system: nil)
            if test != nil { throw SFTError("--test goes with --valid FRACTION, not --valid-file", hint: "data split \(name) --valid 0.1 --test 0.1") }
            held = try loadWithProgress(path, name: name + ".valid", options: options)
            session.out.print("\(held.name): \(Plural.count(held.count, "sample")) (\(held.format.rawValue)) from \(file)")
            printReport(held.report, session)
        default:
            throw SFTError("give --valid FRACTION or --valid-file FILE (one of them)", hint: "data split \(name) --valid 0.1")
        }
        train.name = name + ".train"; held.name = name + ".valid"
        let r1 = session.store(train), r2 = session.store(held)
        session.out.print("\(train.name): \(Plural.count(train.count, "sample")), \(held.name): \(Plural.count(held.count, "sample"))"
                          + (r1 || r2 ? " (replaced the earlier split)" : ""))
    }
}

/// Stores the result of a removal, in place of `d` or with `newName` (`--as NEW`, keeping `d`), and says what
/// went (`what`: singular, plural).
func applyRemoval(_ r: Dataset.Removal, to d: Dataset, as newName: String?, what: (String, String), session: Session, explain: (Int) -> String) throws {
    var kept = r.kept
    if let newName { try checkName(newName); kept.name = newName }
    session.store(kept)
    if r.removed.isEmpty {
        return session.out.print("\(d.name): no \(what.1); \(Plural.count(d.count, "sample")) " + (newName.map { "copied into \($0) (\(d.name) unchanged)" } ?? "unchanged"))
    }
    session.out.print("\(d.name): removed \(r.removed.count) \(r.removed.count == 1 ? what.0 : what.1), \(r.kept.count) sample\(r.kept.count == 1 ? "" : "s") left"
                      + (newName.map { " in \($0) (\(d.name) unchanged)" } ?? ""))
    let shown = r.removed.prefix(10).map(explain).joined(separator: ", ")
    session.out.print("  removed: " + shown + (r.removed.count > 10 ? ", … (\(r.removed.count - 10) more)" : ""))
}

struct DataDedup: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup", abstract: "Remove later copies of a sample (exact, or --normalized).")

    @Argument(help: "The dataset.")
    var name: String

    @Flag(help: "Compare text ignoring case, whitespace, punctuation and full-width forms.")
    var normalized = false

    @Option(name: .customLong("as"), help: "Keep the result as a new dataset; NAME stays as it is.")
    var newName: String?

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        let r = d.dedup(normalized: normalized)
        try applyRemoval(r, to: d, as: newName, what: normalized ? ("near-duplicate", "near-duplicates") : ("duplicate", "duplicates"), session: session) { i in
            "#\(i + 1) (= #\((r.duplicateOf[i] ?? 0) + 1))"
        }
    }
}

struct DataFilter: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter", abstract: "Keep samples within token or turn limits, matching a pattern, or under score limits.",
        discussion: "Turns count user and assistant messages (one question and its answer are 2). Token limits need a model; --max-ppl and --max-ifd need `data score NAME` first. --match keeps samples where the regular expression matches some message.")

    @Argument(help: "The dataset.")
    var name: String

    @Option(help: "Drop samples with fewer tokens.") var minTokens: Int?
    @Option(help: "Drop samples with more tokens.") var maxTokens: Int?
    @Option(help: "Drop samples with fewer turns.") var minTurns: Int?
    @Option(help: "Drop samples with more turns.") var maxTurns: Int?
    @Option(help: "Keep samples where this regular expression matches a message.") var match: String?
    @Option(name: .customLong("max-ppl"), help: "Drop samples with a higher perplexity (needs scores).") var maxPPL: Double?
    @Option(name: .customLong("max-ifd"), help: "Drop samples with a higher IFD (needs scores).") var maxIFD: Double?
    @Option(name: .customLong("as"), help: "Keep the result as a new dataset; NAME stays as it is.") var newName: String?

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        guard minTokens != nil || maxTokens != nil || minTurns != nil || maxTurns != nil || match != nil || maxPPL != nil || maxIFD != nil else {
            throw SFTError("give at least one limit", hint: "data filter \(name) --max-tokens 2048, --min-turns 4, --match TEXT or --max-ppl 50")
        }
        var regex: NSRegularExpression?
        if let match {
            do { regex = try NSRegularExpression(pattern: match) } catch {
                throw SFTError("--match '\(match)' is not a valid regular expression", hint: "escape special characters with \\, e.g. --match '\\{\\{name\\}\\}'")
            }
        }
        func range(_ lo: Int?, _ hi: Int?, _ what: String) throws -> ClosedRange<Int>? {
            guard lo != nil || hi != nil else { return nil }
            let a = lo ?? 0, b = hi ?? Int.max
            guard a >= 0, a <= b else { throw SFTError("--min-\(what) \(a) is above --max-\(what) \(b)", hint: "swap them") }
            return a...b
        }
        let tokens = try range(minTokens, maxTokens, "tokens"), turns = try range(minTurns, maxTurns, "turns")
        var counter: ((Conversation) throws -> Int)?
        if tokens != nil {
            guard let render = session.chatRenderer else { throw SFTError(noModelMessage, hint: noModelHint) }
            counter = { try render($0).tokens.count }
        }
        let r = try d.filter(tokens: tokens, counter: counter, turns: turns, match: regex, maxPerplexity: maxPPL, maxIFD: maxIFD)
        try applyRemoval(r, to: d, as: newName, what: ("sample outside the limits", "samples outside the limits"), session: session) { "#\($0 + 1)" }
    }
}

struct DataSample: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Draw N samples at random (seeded) into a new dataset (default NAME.sample).")

    @Argument(help: "The dataset.") var name: String
    @Argument(help: "How many samples.") var count: Int
    @Option(help: "Random seed (default: the `seed` setting).") var seed: Int?
    @Option(name: .customLong("as"), help: "Name of the new dataset.") var newName: String?

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        guard count >= 1 else { throw SFTError("N must be >= 1, got \(count)", hint: "data sample \(name) 10") }
        var s = d.sample(min(count, d.count), seed: session.dataSeed(seed))
        s.name = newName ?? name + ".sample"
        try checkName(s.name)
        let replaced = session.store(s)
        session.out.print("\(s.name): \(Plural.count(s.count, "sample")) drawn from \(name)" + (count > d.count ? " (it has only \(d.count))" : "")
                          + (replaced ? "; replaced the earlier '\(s.name)'" : ""))
    }
}

struct DataSave: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write a dataset to FILE (atomically): messages, alpaca or sharegpt; .json is one JSON array, else JSONL.")

    @Argument(help: "The dataset.") var name: String
    @Argument(help: "The file to write, e.g. clean.jsonl.", completion: .file()) var file: String
    @Option(help: "messages (default), alpaca or sharegpt.") var format: String?

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        var schema = DataFormat.messages
        if let format {
            guard let f = DataFormat(name: format), [.messages, .alpaca, .sharegpt].contains(f) else {
                throw SFTError("cannot save as '\(format)'", hint: "--format messages, alpaca or sharegpt")
            }
            schema = f
        }
        let array = URL(fileURLWithPath: file).pathExtension.lowercased() == "json"
        try d.save(to: (file as NSString).expandingTildeInPath, format: schema, jsonArray: array)
        session.out.print("saved \(Plural.count(d.count, "sample")) of \(name) to \(file) (\((d.isText ? .text : schema).rawValue) \(array ? "JSON array" : "JSONL"))")
    }
}

struct DataAdd: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Append a conversation typed in the shell (creates NAME if new).",
        discussion: """
            Give the messages in order: an optional --system TEXT first, then --user TEXT and --assistant TEXT
            alternating, ending with --assistant. Example:
              data add mine --system "Be brief." --user "Hi" --assistant "Hello!"
              data add mine --user "Hi" --assistant "Hello!" --user "Who are you?" --assistant "Lumen."
            """)

    @Argument(help: "The dataset.") var name: String

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("--system TEXT, --user TEXT, --assistant TEXT ..., in order.", valueName: "--role text"))
    var messages: [String] = []

    mutating func run(session: Session) throws {
        try checkName(name)
        let c = Conversation(try DataAdd.parse(messages))
        var d = session.datasets[name] ?? Dataset(name: name)
        let isNew = session.datasets[name] == nil
        try d.add(c)
        session.datasets[name] = d
        if isNew { session.datasetNames.append(name) }
        session.out.print("\(name): added #\(d.count) (\(Plural.count(c.turns.count, "turn")))" + (isNew ? "; new dataset" : ""))
    }

    /// `--role TEXT` pairs, in order, into messages.
    static func parse(_ words: [String]) throws -> [Message] {
        guard !words.isEmpty else {
            throw SFTError("no messages given", hint: "data add NAME --user \"question\" --assistant \"answer\"")
        }
        var out: [Message] = []
        var i = 0
        while i < words.count {
            let flag = words[i]
            let roleName = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : ""
            guard let role = Role(rawValue: roleName) else {
                throw SFTError("expected --system, --user or --assistant, got '\(flag)'", hint: "help data add")
            }
            guard i + 1 < words.count else { throw SFTError("\(flag) needs a text", hint: "quote text with spaces: \(flag) \"...\"") }
            out.append(Message(role, words[i + 1]))
            i += 2
        }
        return out
    }
}
