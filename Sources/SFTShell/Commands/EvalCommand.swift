// `eval [NAME]`: validation loss (mean over trained tokens) and perplexity of the active model (with its LoRA
// adapters when on) on a dataset: NAME, else the training run's validation set, else a dataset called 'valid'.
// `eval --per-sample [NAME] [--worst N]` ranks a dataset's samples (default: the run's training set) by the mean
// loss of their trained tokens and lists the worst with file and line, so a mislabelled sample is one command away.
import ArgumentParser
import Foundation
import SFT

struct EvalCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Validation loss and perplexity on a dataset; --per-sample ranks its samples worst first.")

    @Argument(help: "Dataset name or data file.") var name: String?
    @Flag(name: .customLong("per-sample"), help: "Loss of every sample, worst first (default dataset: the run's training set).")
    var perSample = false
    @Option(help: "With --per-sample: how many of the worst to list.") var worst: Int = 10

    mutating func run(session: Session) throws {
        let model = try TrainSupport.model(session)
        let h = session.trainer?.hyper ?? TrainSupport.hyperparameters(session.settings)
        if perSample { return try ranked(session, model, h) }
        let result: EvalResult
        var label = name ?? "valid"
        if name == nil, let t = session.trainer, !t.valid.isEmpty {
            result = try t.evaluateAndRecord()
            label = t.validName ?? "valid"
        } else {
            guard let d = try TrainSupport.validationSet(session, name, training: session.datasetNames.last) else {
                throw SFTError("no validation set", hint: "`eval NAME` names a dataset, or `train --valid NAME` sets one for the run")
            }
            label = d.name
            result = try Trainer.evaluate(transformer: model.transformer, chats: try TrainSupport.render(d, model),
                                          batchSize: h.batchSize, maxSeqLen: h.maxSeqLen)
        }
        let at = session.trainer.map { " at step \($0.position.step)" } ?? ""
        session.out.print("eval '\(label)'\(at): loss \(TrainSupport.fmt(result.loss))  perplexity \(TrainSupport.fmt(result.perplexity, 2))  (\(result.tokens) trained tokens)")
    }

    private func ranked(_ session: Session, _ model: ChatModel, _ h: Hyperparameters) throws {
        guard worst >= 1 else { throw SFTError("--worst must be at least 1, got \(worst)", hint: "e.g. --worst 10") }
        let d: Dataset
        if let name { d = try TrainSupport.dataset(session, named: name) } else { d = try TrainSupport.trainingSet(session, session.trainer?.dataName) }
        let chats = try TrainSupport.render(d, model)
        let bar = ProgressBar("eval", total: Double(chats.count), unit: "samples")
        let losses = try PerSampleLoss.compute(transformer: model.transformer, chats: chats, maxSeqLen: h.maxSeqLen) { bar.update(Double($0)) }
        bar.finish()
        guard !losses.isEmpty else { throw SFTError("no sample of '\(d.name)' has trained tokens", hint: "it needs assistant replies") }
        let mean = losses.reduce(0.0) { $0 + $1.loss * Double($1.trainedTokens) } / Double(losses.reduce(0) { $0 + $1.trainedTokens })
        let at = session.trainer.map { " at step \($0.position.step)" } ?? ""
        session.out.print("per-sample loss of '\(d.name)'\(at): \(Plural.count(losses.count, "sample")), mean \(TrainSupport.fmt(mean)); worst \(min(worst, losses.count)):")
        var t = Table([Table.Column("#", right: true), Table.Column("loss", right: true), Table.Column("where"), Table.Column("question", maxWidth: 30),
                       Table.Column("answer", maxWidth: 30)])
        for s in losses.sorted(by: { $0.loss > $1.loss || ($0.loss == $1.loss && $0.index < $1.index) }).prefix(worst) {
            let c = d.conversations[s.index]
            let place = "\((c.source as NSString?)?.lastPathComponent ?? d.name):\(c.line ?? s.index + 1)"
            let q = c.messages.last { $0.role == .user }?.content ?? ""
            let a = c.messages.last { $0.role == .assistant }?.content ?? ""
            t.add(["\(s.index + 1)", TrainSupport.fmt(s.loss), place, TrainSupport.oneLine(q), TrainSupport.oneLine(a)])
        }
        session.out.print(lines: t.render())
        session.out.print("`data show \(d.name) N` shows sample N in full")
    }
}
