// The loop behind `train`: runs steps until the count, the time limit or Ctrl-C; prints a step line every step
// for short runs (else every tenth of the run) and every skipped step; evaluates every eval-steps and keeps a
// checkpoint (with the model's answer to the held-out prompt) every save-steps. A status line on stderr shows
// step, loss, lr, grad norm, tokens/s and ETA.
import Foundation
import SFT

struct TrainLoop {
    let session: Session
    let trainer: Trainer
    let model: ChatModel
    let steps: Int
    let seconds: Double?

    func run() throws {
        let out = session.out
        let start = Date()
        let first = trainer.position.step
        let every = steps <= 20 ? 1 : max(1, (steps + 9) / 10)
        let shown = steps == Int.max ? Double(trainer.totalSteps) : Double(first + steps)
        let bar = ProgressBar("train", total: shown, unit: "steps", isTTY: false)
        let tty = isatty(STDERR_FILENO) == 1
        var done = 0, lastDraw = Date.distantPast, stopped = ""
        if steps != Int.max, first + steps > trainer.totalSteps {
            let h = trainer.hyper
            out.print("note: the schedule plans \(trainer.totalSteps) steps (\(h.epochs) epoch\(h.epochs == 1 ? "" : "s")); steps after it "
                      + "stay at the floor learning rate \(TrainSupport.sci(trainer.schedule.lr(at: trainer.totalSteps))) "
                      + "(`set epochs` plans a longer run)")
        }
        // The status line lives on stderr without a newline: clear it before stdout prints a line below it.
        var statusShown = false
        func print(_ line: String) {
            if statusShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); statusShown = false }
            out.print(line)
        }
        while done < steps {
            if Cancellation.requested { stopped = "stopped by Ctrl-C after step \(trainer.position.step)"; break }
            if let seconds, Date().timeIntervalSince(start) >= seconds { stopped = "time is up after step \(trainer.position.step)"; break }
            let rec = try trainer.step()
            done += 1
            let total = trainer.totalSteps
            if rec.skipped {
                print("step \(rec.step)/\(total)  skipped: loss \(rec.loss), grad norm \(rec.gradNorm) are not finite; weights stay as after step \(rec.step - 1)")
            } else if done % every == 0 || done == steps {
                print("step \(rec.step)/\(total)  loss \(TrainSupport.fmt(rec.loss))  lr \(TrainSupport.sci(rec.lr))  gnorm \(TrainSupport.fmt(rec.gradNorm, 2))")
            }
            let h = trainer.hyper
            var validLoss: Double?
            if h.evalSteps > 0, rec.step % h.evalSteps == 0, !trainer.valid.isEmpty {
                let e = try trainer.evaluateAndRecord()
                validLoss = e.loss
                print("eval at step \(rec.step): valid loss \(TrainSupport.fmt(e.loss))  perplexity \(TrainSupport.fmt(e.perplexity, 2))")
            }
            if h.saveSteps > 0, rec.step % h.saveSteps == 0 {
                if statusShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); statusShown = false }
                try checkpoint(validLoss: validLoss)
            }
            // serve: requests that came during this step are answered now, between steps (Serving.swift).
            session.serving.gate.yieldToWaiters()
            bar.update(Double(rec.step))
            if tty, Date().timeIntervalSince(lastDraw) > 0.2 {
                lastDraw = Date()
                let speed = rec.tokensPerSecond
                let status = "\r\u{1B}[K" + bar.line() + "  loss \(TrainSupport.fmt(rec.loss))  lr \(TrainSupport.sci(rec.lr))  gnorm \(TrainSupport.fmt(rec.gradNorm, 2))  \(Int(speed)) tok/s"
                FileHandle.standardError.write(Data(status.utf8))
                statusShown = true
            }
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let elapsed = Date().timeIntervalSince(start)
        let recent = trainer.metrics.steps.suffix(done)
        let tokSum = recent.reduce(0.0) { $0 + $1.tokensPerSecond }
        if done > 0 {
            out.note(String(format: "train: %d steps in %@, %.0f tok/s on average", done, ProgressBar.seconds(elapsed), tokSum / Double(done)))
        }
        if !stopped.isEmpty { out.print(stopped + "; `train` continues the run") }
    }

    /// Keeps a checkpoint: validation loss (evaluated now if eval did not just run) and the held-out answer.
    private func checkpoint(validLoss: Double?) throws {
        var v = validLoss
        if v == nil, !trainer.valid.isEmpty { v = try trainer.evaluateAndRecord().loss }
        var answer: String?
        if let probe = trainer.probe { answer = try TrainSupport.answer(model, probe) }
        let k = trainer.saveCheckpoint(validLoss: v, prompt: probe(trainer.probe), answer: answer)
        var line = "checkpoint \(k) at step \(trainer.position.step)"
        if let v { line += ": valid loss \(TrainSupport.fmt(v))" }
        session.out.print(line)
        if let answer, let p = trainer.probe?.last?.content { session.out.print("  \(TrainSupport.preview(TrainSupport.oneLine(p), 40)) -> \(TrainSupport.preview(answer, 100))") }
    }

    private func probe(_ m: [Message]?) -> String? { m?.last?.content }
}
