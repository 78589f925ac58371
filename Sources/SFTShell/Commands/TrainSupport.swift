// What the training commands share: the active model (or a clear error), Hyperparameters read from the session
// settings, datasets looked up by name (or loaded from a file path), rendering a dataset with the model's chat
// template, and the held-out prompt the model answers at each checkpoint.
import Foundation
import SFT

enum TrainSupport {
    /// The active model, or an error saying how to load one.
    static func model(_ session: Session) throws -> ChatModel {
        if let m = session.model { return m }
        throw SFTError("no model is loaded", hint: "`model load PATH` loads a GGUF file or an HF directory")
    }

    /// The training hyperparameters the settings describe right now.
    static func hyperparameters(_ s: Settings) -> Hyperparameters {
        HyperparameterTable.hyperparameters { s.value($0) }
    }

    /// The dataset called `name`; a path to a data file is loaded (and kept under its file name) when no
    /// dataset has that name.
    static func dataset(_ session: Session, named name: String) throws -> Dataset {
        if let d = session.datasets[name] { return d }
        if name.contains("+"), !FileManager.default.fileExists(atPath: name) { return try trainingSet(session, name) }   // a joined run's name
        let path = (name as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: path) else { throw session.unknownDataset(name) }
        if let d = session.datasets.values.first(where: { $0.source == path }) { return d }
        let d = try Dataset.load(path)
        session.store(d)
        session.out.print("\(d.name): \(Plural.count(d.count, "sample")) (\(d.format.rawValue)) from \(name)")
        return d
    }

    /// The training set: `names` (one, or several joined with commas and trained as one), else the live run's,
    /// else a dataset called NAME.train (the last split made), else the last loaded one that is not a split's
    /// valid/test part. Callers say which one they took.
    static func trainingSet(_ session: Session, _ names: String?) throws -> Dataset {
        if names == nil, let name = session.trainer?.dataName, let d = session.datasets[name] { return d }
        if let names {
            let parts = names.split(whereSeparator: { $0 == "," || $0 == "+" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !parts.isEmpty else { throw SFTError("--data needs a dataset name", hint: "`data list` shows the loaded ones") }
            if parts.count == 1 { return try dataset(session, named: parts[0]) }
            let sets = try parts.map { try dataset(session, named: $0) }
            return try Dataset.concatenated(sets, name: parts.joined(separator: "+"))
        }
        let candidates = session.datasetNames.filter { !$0.hasSuffix(".valid") && !$0.hasSuffix(".test") }
        guard let name = candidates.last(where: { $0.hasSuffix(".train") }) ?? candidates.last, let d = session.datasets[name] else {
            throw SFTError("no dataset to train on", hint: "`data load FILE` loads one, or `train --data FILE`")
        }
        return d
    }

    /// The validation set: `name`, else NAME.valid beside a NAME.train training set, else one called `valid`.
    static func validationSet(_ session: Session, _ name: String?, training: String?) throws -> Dataset? {
        if let name { return try dataset(session, named: name) }
        if let t = training, t.hasSuffix(".train"), let d = session.datasets[String(t.dropLast(6)) + ".valid"] { return d }
        return session.datasets["valid"]
    }

    /// Every conversation rendered with the model's template (tokens and the trained mask), on every core; a
    /// plain-text set as max-seq-len blocks of its documents, every token trained (TextCorpus.swift).
    static func render(_ d: Dataset, _ model: ChatModel, maxSeqLen: Int) throws -> [RenderedChat] {
        try model.trainingChats(d, maxSeqLen: maxSeqLen)
    }

    /// The held-out prompt: the messages before the first assistant reply of the first validation conversation.
    static func probe(_ d: Dataset?) -> [Message]? {
        guard let c = d?.conversations.first, let i = c.messages.firstIndex(where: { $0.role == .assistant }), i > 0 else { return nil }
        return Array(c.messages[..<i])
    }

    /// The model's greedy answer (at most 48 tokens) to the probe, on one line.
    static func answer(_ model: ChatModel, _ messages: [Message]) throws -> String {
        var rng = RNG(seed: 0)
        let r = try Generator.reply(model: model, messages: messages, options: GenerationOptions(sampler: .greedy, maxTokens: 48), rng: &rng)
        return oneLine(r.text)
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }

    static func preview(_ s: String, _ n: Int = 60) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    static func fmt(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "\(x)" }
    static func sci(_ x: Double) -> String { String(format: "%.1e", x) }

    /// `1.2 M`, `34.5 k` (Format.big).
    static func count(_ n: Int) -> String { Format.big(n) }

    static func bytes(_ n: Int) -> String { Format.size(n) }
}
