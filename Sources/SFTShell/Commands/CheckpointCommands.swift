// `checkpoints` lists the run's in-memory checkpoints (step, train loss, valid loss, the held-out answer), the
// best by validation loss marked `*`; `checkpoint use N` makes checkpoint N live: ask/chat use its weights and
// the next `train` continues from its step, optimizer state and metrics.
import ArgumentParser
import Foundation
import SFT

struct CheckpointsCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List the training run's checkpoints; the best by validation loss is marked *.")

    mutating func run(session: Session) throws {
        guard let t = session.trainer else { throw SFTError("there is no training run", hint: "`train` starts one; set save-steps N for checkpoints") }
        guard !t.checkpoints.isEmpty else {
            return session.out.print("no checkpoints yet" + (t.hyper.saveSteps == 0 ? " (save-steps is 0: `set save-steps 10`)" : ""))
        }
        let best = t.bestCheckpoint
        var table = Table([Table.Column("#", right: true), Table.Column("step", right: true), Table.Column("train loss", right: true),
                           Table.Column("valid loss", right: true), Table.Column("answer", maxWidth: 60)])
        for (i, c) in t.checkpoints.enumerated() {
            table.add(["\(i + 1)\(i == best ? "*" : "")", "\(c.step)", c.trainLoss.map { TrainSupport.fmt($0) } ?? "-",
                       c.validLoss.map { TrainSupport.fmt($0) } ?? "-", c.answer.map { TrainSupport.preview($0, 60) } ?? "-"])
        }
        session.out.print(lines: table.render())
        if let p = t.checkpoints.last?.prompt { session.out.print("answers to: \(TrainSupport.preview(TrainSupport.oneLine(p), 70))") }
        let bytes = t.checkpoints.reduce(0) { $0 + $1.bytes }
        session.out.note("checkpoints hold \(TrainSupport.bytes(bytes)) in memory")
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Use a checkpoint of the training run.", subcommands: [CheckpointUse.self])
}

struct CheckpointUse: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "use", abstract: "Make checkpoint N live: chat uses it and `train` continues from it.")

    @Argument(help: "Checkpoint number from `checkpoints`.") var number: Int

    mutating func run(session: Session) throws {
        guard let t = session.trainer else { throw SFTError("there is no training run", hint: "`train` starts one") }
        try t.restore(checkpoint: number - 1)
        if t.mode == .lora { session.model?.transformer.lora?.enabled = true }
        let c = t.checkpoints[number - 1]
        session.out.print("checkpoint \(number) (step \(c.step)) is live: ask and chat use it; `train` continues from step \(c.step + 1)")
    }
}
