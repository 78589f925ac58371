// `checkpoints` lists the run's checkpoints (step, train loss, valid loss, the first probe's or held-out
// prompt's answer) with the best by validation loss and the live one marked in their own column;
// `checkpoint use N|best` makes a checkpoint live: ask/chat use its weights and the next `train` continues from
// its step, optimizer state and metrics. `undo [N]` takes back the last N train commands.
import ArgumentParser
import Foundation
import SFT

struct CheckpointsCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List the training run's checkpoints (best by validation loss and the live one marked).")

    mutating func run(session: Session) throws {
        guard let r = session.run else { throw SFTError("there is no training run", hint: "`train` starts one; set save-steps N for checkpoints") }
        guard !r.checkpoints.isEmpty else {
            return session.out.print("no checkpoints yet" + (r.trainer.hyper.saveSteps == 0 ? " (save-steps is 0: `set save-steps 10`)" : ""))
        }
        let best = r.bestCheckpoint
        var table = Table([Table.Column("#", right: true), Table.Column("step", right: true), Table.Column("train loss", right: true),
                           Table.Column("valid loss", right: true), Table.Column("mark"), Table.Column("answer", maxWidth: 50)])
        for (i, c) in r.checkpoints.enumerated() {
            let marks = [i + 1 == best ? "best" : nil, i + 1 == r.liveCheckpoint ? "live" : nil].compactMap { $0 }.joined(separator: ",")
            table.add(["\(i + 1)", "\(c.step)", c.trainLoss.map { TrainSupport.fmt($0) } ?? "-",
                       c.validLoss.map { TrainSupport.fmt($0) } ?? "-", marks, c.answers.first.map { TrainSupport.preview($0, 50) } ?? "-"])
        }
        session.out.print(lines: table.render())
        if let p = TrainReport.checkpointPrompts(session, r).first { session.out.print("answers to: \(TrainSupport.preview(TrainSupport.oneLine(p), 70))") }
        let bytes = r.checkpoints.reduce(0) { $0 + $1.bytes }
        session.out.note("checkpoints hold \(TrainSupport.bytes(bytes)) in memory")
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Use a checkpoint of the training run.", subcommands: [CheckpointUse.self])
}

struct CheckpointUse: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "use", abstract: "Make checkpoint N (or the best by validation loss) live: chat uses it and `train` continues from it.")

    @Argument(help: "Checkpoint number from `checkpoints`, or `best`.") var which: String

    mutating func run(session: Session) throws {
        guard let r = session.run else { throw SFTError("there is no training run", hint: "`train` starts one") }
        let number: Int
        if which == "best" {
            guard let b = r.bestCheckpoint else {
                throw SFTError("no checkpoint has a validation loss", hint: "train with a validation set (`train --valid NAME`) and save-steps or eval-steps")
            }
            number = b
        } else {
            guard let n = Int(which) else { throw SFTError("checkpoint use takes a number or `best`, got '\(which)'", hint: "`checkpoints` lists them") }
            number = n
        }
        try r.useCheckpoint(number)
        if r.mode == .lora { session.model?.transformer.lora?.enabled = true }
        let c = r.checkpoints[number - 1]
        session.out.print("checkpoint \(number) (step \(c.step)\(c.validLoss.map { ", valid loss \(TrainSupport.fmt($0))" } ?? "")) is live: "
                          + "ask and chat use it; `train` continues from step \(c.step + 1)")
    }
}

struct UndoCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo", abstract: "Take back the last N train commands exactly (weights, optimizer, schedule, RNG, metrics, checkpoints).")

    @Argument(help: "How many train commands to take back.") var count: Int = 1

    mutating func run(session: Session) throws {
        guard let r = session.run else {
            if let why = session.undoEndedBy { throw SFTError("there is nothing to undo: \(why) ended the training run", hint: "undo works within one run") }
            throw SFTError("there is no training run to undo", hint: "`train N` runs steps that `undo` can take back")
        }
        let from = r.trainer.position.step
        let (undone, rng) = try r.undo(count)
        if let rng { session.rng = rng }
        let labels = undone.reversed().map { "`\($0.label)`" }.joined(separator: ", ")
        session.out.print("undone: \(labels); the run is back at step \(r.trainer.position.step) (was \(from))"
                          + (r.checkpoints.isEmpty ? "" : ", \(Plural.count(r.checkpoints.count, "checkpoint")) left"))
    }
}
