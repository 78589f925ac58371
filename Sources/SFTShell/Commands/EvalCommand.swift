// `eval [NAME]`: validation loss (mean over trained tokens) and perplexity of the active model (with its LoRA
// adapters when on) on a dataset: NAME, else the training run's validation set, else a dataset called 'valid'.
import ArgumentParser
import Foundation
import SFT

struct EvalCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Validation loss and perplexity on a dataset (default: the run's validation set).")

    @Argument(help: "Dataset name or data file.") var name: String?

    mutating func run(session: Session) throws {
        let model = try TrainSupport.model(session)
        let h = session.trainer?.hyper ?? TrainSupport.hyperparameters(session.settings)
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
            result = try Trainer.evaluate(transformer: model.transformer, chats: try TrainSupport.render(d, model, maxSeqLen: h.maxSeqLen),
                                          batchSize: h.batchSize, maxSeqLen: h.maxSeqLen)
        }
        let at = session.trainer.map { " at step \($0.position.step)" } ?? ""
        session.out.print("eval '\(label)'\(at): loss \(TrainSupport.fmt(result.loss))  perplexity \(TrainSupport.fmt(result.perplexity, 2))  (\(result.tokens) trained tokens)")
    }
}
