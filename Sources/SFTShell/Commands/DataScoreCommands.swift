// The `data` commands that judge or reshape data through the model or by rule: `data score` (per-sample loss,
// perplexity and IFD under the live model, kept with the dataset), `data replace` (placeholders), `data system`
// (one system prompt for every sample) and `data mix` (a seeded mixture by weight). Core logic is in
// SFT/Train/SampleLosses.swift and SFT/Data/DatasetEdits.swift; these parse, call and print.
import ArgumentParser
import Foundation
import SFT

struct DataScore: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "score", abstract: "Score every sample under the live model: loss, perplexity and IFD.",
        discussion: """
            Perplexity is exp(mean loss) of the trained tokens (the replies; every token of a text set).
            IFD (Cherry LLM, arXiv 2308.12032) is the reply's loss given the instruction over its loss alone:
            above 1 the reply does not follow from the instruction. Scores stay with the dataset:
            `data show NAME --sort ppl|ifd`, `data filter NAME --max-ppl X --max-ifd Y`, `data stats NAME`.
            Forward-only, batched (batch-size, max-seq-len settings); Ctrl-C stops it with nothing changed.
            """)

    @Argument(help: "The dataset (default: the last loaded).") var name: String?

    mutating func run(session: Session) throws {
        var d = try session.dataset(name)
        guard let model = session.model else { throw SFTError("no model loaded: scoring runs the model", hint: noModelHint) }
        let (full, alone) = try model.scoringChats(d)
        let total = full.count + alone.compactMap { $0 }.count
        let bar = ProgressBar("scoring \(d.name)", total: Double(total), unit: "chats")
        let t0 = Date()
        let scores: [SampleScore]
        do {
            scores = try SampleLosses.scores(transformer: model.transformer, withInstruction: full, answerOnly: alone,
                                             batchSize: session.settings.int("batch-size"), maxSeqLen: session.settings.int("max-seq-len"),
                                             progress: { done, _ in bar.update(Double(done)) })
            bar.finish("\(Plural.count(d.count, "sample"))")
        } catch { bar.finish("stopped"); throw error }
        let seconds = Date().timeIntervalSince(t0)
        d.scores = scores
        session.store(d)
        let tokens = scores.reduce(0) { $0 + $1.tokens }
        let mean = scores.reduce(0.0) { $0 + ($1.loss.isFinite ? $1.loss * Double($1.tokens) : 0) } / Double(max(1, tokens))
        session.out.print("\(d.name): scored \(Plural.count(d.count, "sample")) (\(tokens) trained tokens) with \(model.name)"
                          + (model.transformer.lora?.enabled == true ? " and its adapters" : ""))
        session.out.print(String(format: "mean loss %.3f, perplexity %.2f", mean, exp(mean)))
        session.out.note(String(format: "%.1f samples/s", Double(d.count) / max(seconds, 1e-9)))
        session.out.print(Colour.dim("hint: data show \(d.name) --sort \(d.isText ? "ppl" : "ifd") --worst 5 lists the worst"))
    }
}

struct DataReplace: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "replace", abstract: "Replace text (literal) in every message, e.g. the {{name}} placeholders of identity sets.")

    @Argument(help: "The dataset.") var name: String
    @Argument(help: "The text to find (literal, case-sensitive).") var from: String
    @Argument(help: "What to put instead.") var to: String

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        let r = try d.replacing(from, with: to)
        session.store(r.dataset)
        session.out.print(r.samples == 0 ? "\(name): no '\(from)' found; unchanged"
                          : "\(name): replaced \(r.occurrences) occurrence\(r.occurrences == 1 ? "" : "s") of '\(from)' in \(r.samples) sample\(r.samples == 1 ? "" : "s")")
    }
}

struct DataSystem: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "Set every sample's system prompt to TEXT, or remove them with --drop.")

    @Argument(help: "The dataset.") var name: String
    @Argument(help: "The system prompt.") var text: String?
    @Flag(help: "Remove every system prompt.") var drop = false

    mutating func run(session: Session) throws {
        let d = try session.dataset(name)
        guard (text != nil) != drop else {
            throw SFTError("give a system prompt or --drop (one of them)", hint: "data system \(name) \"You are Lumen.\"")
        }
        let r = try d.withSystem(drop ? nil : text)
        session.store(r.dataset)
        session.out.print("\(name): " + (drop ? "removed the system prompt from" : "set the system prompt of") + " \(r.changed) of \(Plural.count(d.count, "sample"))")
    }
}

struct DataMix: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "mix", abstract: "Draw a seeded mixture of datasets by weight into NEW (e.g. data mix both task:3 general:1).",
        discussion: "Without --size the mix is as large as possible with no sample repeated; with a larger --size, parts are repeated and named.")

    @Argument(help: "Name of the new dataset.") var newName: String
    @Argument(help: "Parts as NAME:WEIGHT (weight 1 when left out).") var parts: [String] = []
    @Option(help: "Samples in the mix.") var size: Int?
    @Option(help: "Random seed (default: the `seed` setting).") var seed: Int?

    mutating func run(session: Session) throws {
        try checkName(newName)
        guard !parts.isEmpty else { throw SFTError("no parts given", hint: "data mix \(newName) A:3 B:1") }
        let weighted = try parts.map { p -> (dataset: Dataset, weight: Double) in
            let bits = p.split(separator: ":", maxSplits: 1).map(String.init)
            guard let w = bits.count == 2 ? Double(bits[1]) : 1 else {
                throw SFTError("'\(p)': the weight after ':' is not a number", hint: "data mix \(newName) A:3 B:1")
            }
            return (try session.dataset(bits[0]), w)
        }
        if let size, size < 1 { throw SFTError("--size must be >= 1, got \(size)", hint: "data mix \(newName) A:3 B:1 --size 100") }
        let r = try Dataset.mix(weighted, size: size, seed: session.dataSeed(seed), name: newName)
        let replaced = session.store(r.dataset)
        let what = zip(weighted, r.taken).map { "\($0.dataset.name) \($1)" }.joined(separator: ", ")
        session.out.print("\(newName): \(Plural.count(r.dataset.count, "sample")) (\(what))" + (replaced ? "; replaced the earlier '\(newName)'" : ""))
        if !r.repeated.isEmpty { session.out.print("repeated (more drawn than it has): " + r.repeated.joined(separator: ", ")) }
    }
}
