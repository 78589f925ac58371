// The `data` command group, and its commands that bring datasets in and out of the session: `data load`,
// `data check` (a file, or a loaded set), `data list`, `data drop`; plus the Session helpers every `data`
// command uses (look a name up with a nearest-name hint, store, seed). Viewing commands are in
// DataViewCommands.swift, changing ones in DataEditCommands.swift, drawing in DataViews.swift.
import ArgumentParser
import Foundation
import SFT

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Load, check, inspect, split and clean chat datasets.",
        subcommands: [DataLoad.self, DataCheck.self, DataList.self, DataShow.self, DataFind.self, DataStats.self,
                      DataSplit.self, DataDedup.self, DataFilter.self, DataSample.self, DataSave.self,
                      DataAdd.self, DataDrop.self, DataScore.self, DataReplace.self, DataSystem.self, DataMix.self])
}

/// The one message every token view and token option shows without a model.
let noModelMessage = "no model loaded: token counts need a model"
let noModelHint = "`model load ...` loads one; its tokenizer and chat template count the tokens"

extension Session {
    /// The dataset called `name`, or with nil the only or last loaded one.
    public func dataset(_ name: String?) throws -> Dataset {
        guard let name else {
            guard let last = datasetNames.last, let d = datasets[last] else {
                throw SFTError("no datasets loaded", hint: "data load FILE loads one, e.g. data load sessions/data/general.jsonl")
            }
            return d
        }
        guard let d = datasets[name] else { throw unknownDataset(name) }
        return d
    }

    public func unknownDataset(_ name: String) -> SFTError {
        if datasetNames.isEmpty {
            return SFTError("no dataset named '\(name)' (none loaded)", hint: "data load FILE loads one")
        }
        if let near = EditDistance.nearest(to: name, in: datasetNames) {
            return SFTError("no dataset named '\(name)'", hint: "did you mean '\(near)'? `data list` shows all")
        }
        let some = datasetNames.prefix(8).joined(separator: ", ") + (datasetNames.count > 8 ? ", …" : "")
        return SFTError("no dataset named '\(name)'", hint: "loaded: " + some)
    }

    /// Stores `d` under its name (a new name goes last in the order, a replaced one keeps its place);
    /// true when it replaced one. Changing the live run's dataset says that the run keeps its own copy.
    @discardableResult
    public func store(_ d: Dataset) -> Bool {
        let replaced = datasets[d.name] != nil
        if !replaced { datasetNames.append(d.name) }
        datasets[d.name] = d
        if replaced, let t = trainer, t.dataName == d.name || t.validName == d.name {
            out.print("note: the training run keeps the copy of '\(d.name)' it took when it started; `train --restart` uses the changed data")
        }
        return replaced
    }

    /// `--seed` when given, else the session's `seed` setting.
    func dataSeed(_ given: Int?) -> UInt64 { UInt64(truncatingIfNeeded: given ?? settings.int("seed")) }

    /// Load options with the model's token counter and context length when a model is loaded.
    func loadOptions(format: DataFormat?, strict: Bool, question: String?, answer: String?, system: String?) -> DataLoadOptions {
        var o = DataLoadOptions(format: format, strict: strict, questionColumn: question, answerColumn: answer, systemColumn: system)
        if let render = chatRenderer, let contextLength {
            o.tokenCounter = { try render($0).tokens.count }
            o.maxTokens = contextLength
        }
        return o
    }
}

/// A dataset name a person typed: not empty, no spaces or slashes.
func checkName(_ name: String) throws {
    guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "/" }) else {
        throw SFTError("bad dataset name '\(name)'", hint: "use letters, digits, '-', '_' or '.', e.g. --name chat1")
    }
}

/// Loads with a progress bar on stderr (drawn only when loading takes over a second).
/// `dataset` picks an entry of a LLaMA-Factory folder (`path` is then the folder).
func loadWithProgress(_ path: String, name: String?, dataset: String? = nil, options: DataLoadOptions) throws -> Dataset {
    var options = options
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let bar = ProgressBar("loading \(dataset ?? URL(fileURLWithPath: path).lastPathComponent)", total: Double(size) / 1_048_576, unit: "MiB")
    options.progress = { done, _ in bar.update(Double(done) / 1_048_576) }
    do {
        let d = try dataset.map { try DatasetInfo.load(path, dataset: $0, as: name, options: options) }
            ?? Dataset.load(path, name: name, options: options)
        bar.finish("\(Plural.count(d.count, "sample"))")
        return d
    } catch {
        bar.finish("failed")
        throw error
    }
}

/// The headline, then the problem table when there were problems (never silent). `name` goes into hints that
/// name a command (`data dedup NAME`); `checkedOnly` says "would load" for a file that was only checked.
func printReport(_ report: DataReport, _ session: Session, name: String = "NAME", checkedOnly: Bool = false) {
    var headline = report.headline
    if checkedOnly, headline.hasPrefix("loaded ") { headline = "would load " + headline.dropFirst("loaded ".count) }
    session.out.print(headline)
    if !report.isClean {
        session.out.print(lines: DataView.problemTable(report))
        if let first = report.problems.first(where: { !$0.kind.isWarning }) ?? report.problems.first {
            session.out.print("first: \(first.description)")
            if let h = first.hint { session.out.print(Colour.dim("hint: " + h.replacingOccurrences(of: "NAME", with: name))) }
        }
    }
}

struct DataLoad: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load a dataset file (JSONL/JSON messages, Alpaca, ShareGPT, CSV/TSV, .xlsx; .txt/.md or {\"text\"} JSONL as plain text).",
        discussion: """
            Bad records are dropped and reported (kind, count, first places); --strict refuses the file instead. Loading a name again replaces it.
            A LLaMA-Factory folder (with dataset_info.json): `data load DIR` lists its datasets, `data load DIR --dataset NAME` loads one with its column mapping.
            """)

    @Argument(help: "The file, e.g. sessions/data/general.jsonl, or a folder with dataset_info.json.", completion: .file())
    var file: String

    @Option(help: "With a LLaMA-Factory folder: the dataset_info.json entry to load.")
    var dataset: String?

    @Option(help: "Name to use (default: the file name without extension).")
    var name: String?

    @Option(help: "Force the format: messages, alpaca, sharegpt, csv, xlsx or text (default: detected).")
    var format: String?

    @Flag(help: "Refuse the whole file on its first error.")
    var strict = false

    @Option(help: "Table column with the question (default: question/问题/prompt/instruction...).")
    var question: String?
    @Option(help: "Table column with the answer (default: answer/回答/response/output...).")
    var answer: String?
    @Option(help: "Table column with a system prompt (optional).")
    var system: String?

    mutating func run(session: Session) throws {
        var fmt: DataFormat?
        if let format {
            guard let f = DataFormat(name: format) else {
                throw SFTError("unknown format '\(format)'", hint: "one of: messages, alpaca, sharegpt, csv, xlsx, text")
            }
            fmt = f
        }
        if let name { try checkName(name) }
        let path = (file as NSString).expandingTildeInPath
        let isFolder = DatasetInfo.isDatasetDirectory(path)
        if dataset != nil && !isFolder {
            throw SFTError("--dataset picks an entry of a LLaMA-Factory folder, and '\(file)' has no \(DatasetInfo.indexName)",
                           hint: "data load FOLDER --dataset NAME, or data load FILE without --dataset")
        }
        if isFolder && dataset == nil { return try listFolder(path, session: session) }
        if let dataset, name == nil { try checkName(dataset) }
        let options = session.loadOptions(format: fmt, strict: strict, question: question, answer: answer, system: system)
        let d = try loadWithProgress(path, name: name, dataset: dataset, options: options)
        let replaced = session.store(d)
        session.out.print("\(d.name): \(Plural.count(d.count, "sample")) (\(d.format.rawValue)) from \(file)"
                          + (replaced ? "; replaced the earlier '\(d.name)'" : ""))
        printReport(d.report, session, name: d.name)
    }

    /// `data load DIR` on a LLaMA-Factory folder: its datasets, what each holds, and which can load.
    func listFolder(_ path: String, session: Session) throws {
        let entries = try DatasetInfo.entries(in: path)
        var t = Table([Table.Column("dataset"), Table.Column("file", maxWidth: 32), Table.Column("format"), Table.Column("note", maxWidth: 44)])
        for e in entries {
            var note = ""
            if let why = e.unsupported { note = "cannot load: " + why }
            else if let hub = e.hub { note = "hub only: " + (hub.split(separator: " ").last.map(String.init) ?? hub) }
            else if let f = e.fileName, !FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(f)) { note = "missing file" }
            else if !e.columns.isEmpty { note = e.columns.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
            t.add([e.name, e.fileName ?? "-", e.kind == .detect ? "detected" : e.kind.rawValue, note])
        }
        session.out.print("\(Plural.count(entries.count, "dataset")) in \(file)/\(DatasetInfo.indexName) (nothing loaded):")
        for line in t.render() { session.out.print("  " + line) }
        if let first = entries.first(where: { $0.unsupported == nil && $0.hub == nil }) {
            session.out.print(Colour.dim("hint: data load \(file) --dataset \(first.name) loads one"))
        }
    }
}

struct DataCheck: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check a file without keeping it, or re-check a loaded dataset.",
        discussion: "A loaded NAME is checked for the conversation rules, duplicates, and (with a model) samples longer than the context.")

    @Argument(help: "A loaded dataset's name, or a file.", completion: .file())
    var target: String

    @Option(help: "Force the format of a file: messages, alpaca, sharegpt, csv or xlsx.")
    var format: String?

    mutating func run(session: Session) throws {
        if let d = session.datasets[target] { return check(d, session) }
        let path = (target as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: path) else {
            if session.datasetNames.isEmpty || target.contains("/") || target.contains(".") {
                throw SFTError("no such file or dataset '\(target)'", hint: "check the path; `data list` shows loaded datasets")
            }
            throw session.unknownDataset(target)
        }
        var fmt: DataFormat?
        if let format {
            guard let f = DataFormat(name: format) else { throw SFTError("unknown format '\(format)'", hint: "one of: messages, alpaca, sharegpt, csv, xlsx, text") }
            fmt = f
        }
        let options = session.loadOptions(format: fmt, strict: false, question: nil, answer: nil, system: nil)
        let d = try loadWithProgress(path, name: nil, options: options)
        printReport(d.report, session, name: d.name, checkedOnly: true)
        session.out.print("(checked only; nothing kept: `data load \(target)` loads it)")
    }

    /// Re-checks a loaded set: the conversation rules, empty messages, exact duplicates, over-context length.
    func check(_ d: Dataset, _ session: Session) {
        let maxSeqLen = session.settings.int("max-seq-len")
        var lint = Lint()
        let report = DataCheck.report(d, render: session.chatRenderer, contextLength: session.contextLength, maxSeqLen: maxSeqLen, lint: &lint)
        let n = report.counts.values.reduce(0, +)
        session.out.print("\(d.name): checked \(Plural.count(d.count, "sample")): " + (n == 0 ? "no problems" : "\(n) problem\(n == 1 ? "" : "s")"))
        if n > 0 { session.out.print(lines: DataView.problemTable(report)) }
        if session.chatRenderer == nil { session.out.print("(lengths not checked: \(noModelMessage))") }
        if report.counts[.duplicate] != nil { session.out.print(Colour.dim("hint: data dedup \(d.name) removes the later copies")) }
        if report.counts[.tooLong] != nil { session.out.print(Colour.dim("hint: data filter \(d.name) --max-tokens N drops long samples")) }
        if lint.cutSamples > 0 {
            session.out.print("cut by max-seq-len \(maxSeqLen): \(lint.cutSamples) sample\(lint.cutSamples == 1 ? "" : "s") lose \(lint.cutTokens) trained token\(lint.cutTokens == 1 ? "" : "s")")
            session.out.print(Colour.dim("hint: set max-seq-len higher, or data filter \(d.name) --max-tokens \(maxSeqLen)"))
        }
        if report.counts[.placeholder] != nil { session.out.print(Colour.dim("hint: data replace \(d.name) '{{name}}' TEXT fills a placeholder")) }
        if lint.tokens > 0 {
            session.out.print("trained tokens: \(lint.trained) of \(lint.tokens) (\(DataView.percent(Double(lint.trained) / Double(lint.tokens)))) with the \(session.model?.template.name ?? "?") template")
        }
    }

    /// What the template lint counts over a whole set (with a model).
    struct Lint { var cutSamples = 0, cutTokens = 0, tokens = 0, trained = 0 }

    /// The problems of a loaded set, placed at each sample's file:line (or NAME:#k for samples added in the shell).
    static func report(_ d: Dataset, render: ((Conversation) throws -> RenderedChat)?, contextLength: Int?) -> DataReport {
        var lint = Lint()
        return report(d, render: render, contextLength: contextLength, maxSeqLen: nil, lint: &lint)
    }

    /// With `maxSeqLen`, also the template lint: trained tokens past max-seq-len, samples with nothing trained,
    /// and {{placeholders}} left in the text; `lint` gets the totals.
    static func report(_ d: Dataset, render: ((Conversation) throws -> RenderedChat)?, contextLength: Int?, maxSeqLen: Int?,
                       lint: inout Lint) -> DataReport {
        var r = DataReport(file: d.name)
        r.records = d.count; r.loaded = d.count
        func place(_ k: Int) -> (String, Int?) {
            let c = d.conversations[k]
            if let s = c.source, let l = c.line { return (s, l) }
            return ("\(d.name) #\(k + 1)", nil)
        }
        for (k, c) in d.conversations.enumerated() {
            let (file, line) = place(k)
            if !d.isText { for var p in DataRecords.checkTurns(c.messages, file: file, line: line ?? k + 1) { p.line = line; r.add(p) } }
            for (j, m) in c.messages.enumerated() where m.content.allSatisfy(\.isWhitespace) {
                r.add(DataProblem(.emptyContent, file: file, line: line, "message \(j + 1) (\(m.role.rawValue)) has empty content"))
            }
            if let j = c.messages.firstIndex(where: { $0.content.range(of: #"\{\{[^{}]*\}\}"#, options: .regularExpression) != nil }) {
                let m = c.messages[j].content
                let p = m.range(of: #"\{\{[^{}]*\}\}"#, options: .regularExpression).map { String(m[$0]) } ?? "{{…}}"
                r.add(DataProblem(.placeholder, file: file, line: line, "message \(j + 1) (\(c.messages[j].role.rawValue)) contains \(p)"))
            }
            guard !d.isText, let render, let rc = try? render(c) else { continue }
            let n = rc.tokens.count
            if let contextLength, n > contextLength {
                r.add(DataProblem(.tooLong, file: file, line: line, "\(Plural.count(n, "token")), more than the context of \(contextLength)"))
            }
            guard let maxSeqLen else { continue }
            lint.tokens += n; lint.trained += rc.trainedCount
            if rc.trainedCount == 0 {
                r.add(DataProblem(.nothingTrained, file: file, line: line, "no trained token (every reply has weight 0)"))
            } else if n > maxSeqLen {
                let lost = rc.trained[maxSeqLen...].filter { $0 }.count
                if lost > 0 {
                    lint.cutSamples += 1; lint.cutTokens += lost
                    r.add(DataProblem(.cutOff, file: file, line: line, "\(n) tokens: \(lost) of \(rc.trainedCount) trained tokens past max-seq-len \(maxSeqLen)"))
                }
            }
        }
        let dups = d.dedup()
        for i in dups.removed {
            let (file, line) = place(i)
            r.add(DataProblem(.duplicate, file: file, line: line, "same sample as #\((dups.duplicateOf[i] ?? 0) + 1)"))
        }
        r.problems.sort { ($0.file, $0.line ?? 0) < ($1.file, $1.line ?? 0) }
        return r
    }
}

struct DataList: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List loaded datasets.")

    mutating func run(session: Session) throws {
        if session.datasetNames.isEmpty { return session.out.print("no datasets loaded (`data load FILE` loads one)") }
        var t = Table([Table.Column("name"), Table.Column("format"), Table.Column("samples", right: true),
                       Table.Column("turns", right: true), Table.Column("source")])
        for name in session.datasetNames {
            guard let d = session.datasets[name] else { continue }
            let turns = d.conversations.reduce(0) { $0 + $1.turns.count }
            t.add([name, d.format.rawValue, String(d.count), String(turns), d.source ?? "(typed in the shell)"])
        }
        session.out.print(lines: t.render())
    }
}

struct DataDrop: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "drop", abstract: "Forget a loaded dataset (files are untouched).")

    @Argument(help: "The dataset's name.")
    var name: String

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        session.datasets[name] = nil
        session.datasetNames.removeAll { $0 == name }
        session.out.print("dropped '\(name)' (\(Plural.count(d.count, "sample")))")
    }
}
