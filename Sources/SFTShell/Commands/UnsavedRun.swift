// Guarding a training run that has steps nobody saved: `model load`, `lora drop`, `lora load` and `session
// load` refuse to drop it unless given --force; `quit` and Ctrl-D warn once and leave on the second try (in a
// script, where nobody can answer, `quit` prints the warning and leaves). Also the words for what a command
// drops ("the LoRA adapters, the LoRA run of 5 steps").
import Foundation
import SFT

extension Session {
    /// "the LoRA run at step 5" / "the full fine-tuning run at step 5".
    static func describe(_ r: TrainingRun) -> String {
        "the \(r.mode == .lora ? "LoRA" : "full fine-tuning") run at step \(r.trainer.position.step)"
    }

    /// Throws when the live run has unsaved steps and `force` is false; `command` is what the hint repeats.
    func refuseToDropUnsavedRun(_ command: String, force: Bool) throws {
        guard !force, let r = run, r.hasUnsavedSteps else { return }
        let since = r.savedStep.map { " (saved at step \($0))" } ?? ""
        throw SFTError("\(Session.describe(r)) is not saved\(since), and `\(command)` would drop it",
                       hint: "`save NAME` keeps it (or `session save NAME`); `\(command) --force` drops it")
    }

    /// The warning `quit` and Ctrl-D give once when the live run has unsaved steps; nil when there is none.
    func unsavedRunWarning() -> String? {
        guard let r = run, r.hasUnsavedSteps else { return nil }
        return "warning: \(Session.describe(r)) is not saved; `save NAME` keeps it"
    }

    /// What replacing the model (or the adapter) drops, for the command's message: adapters, the run, its checkpoints.
    func droppedParts(adapters: Bool) -> [String] {
        var parts: [String] = []
        if adapters, model?.transformer.lora != nil { parts.append("the LoRA adapters") }
        if let r = run {
            var s = Session.describe(r)
            if !r.checkpoints.isEmpty { s += " with \(Plural.count(r.checkpoints.count, "checkpoint"))" }
            parts.append(s)
        }
        return parts
    }
}
