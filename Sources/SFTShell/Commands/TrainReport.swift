// What `train` prints while and after the core TrainingRun trains: a step line every step for short calls
// (else every tenth of the call, every skipped step, and always the last step's line), evaluation and
// checkpoint lines, why the call stopped, and afterwards each probe's answer with what changed. A status line
// on stderr (TTY only) counts this call's steps, so its ETA is this call's (earlier calls never mix in).
import Foundation
import SFT

final class TrainReport {
    let session: Session
    let run: TrainingRun
    let steps: Int?               // this call's planned steps (nil: until the time is up)
    private let bar: ProgressBar
    private let tty = isatty(STDERR_FILENO) == 1
    private var statusShown = false
    private var lastDraw = Date.distantPast
    private var lastPrinted = 0

    init(session: Session, run: TrainingRun, steps: Int?) {
        self.session = session
        self.run = run
        self.steps = steps
        bar = ProgressBar("train", total: Double(steps ?? max(1, run.trainer.totalSteps - run.trainer.position.step)), unit: "steps", isTTY: false)
        bar.showsCount = false      // the status line says `step N/total` like the step lines
    }

    private var every: Int { guard let steps else { return 10 }; return steps <= 20 ? 1 : max(1, (steps + 9) / 10) }

    func begin() {
        let t = run.trainer
        if let steps, t.position.step + steps > t.totalSteps {
            let h = t.hyper
            print("note: the schedule plans \(Plural.count(t.totalSteps, "step")) (\(Plural.count(h.epochs, "epoch"))); steps after it "
                  + "stay at the floor learning rate \(TrainSupport.sci(t.schedule.lr(at: t.totalSteps))) (`set epochs` plans a longer run)")
        }
    }

    func clearStatus() {
        if statusShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); statusShown = false }
    }

    /// stdout line, below the status line.
    private func print(_ line: String) {
        clearStatus()
        session.out.print(line)
    }

    /// "step 4/30"; past the planned schedule (a `train N` beyond it) "step 34 (plan 30)", never "34/30".
    static func stepText(_ step: Int, total: Int) -> String {
        step <= total ? "step \(step)/\(total)" : "step \(step) (plan \(total))"
    }

    static func stepLine(_ r: StepRecord, total: Int) -> String {
        if r.skipped {
            return "\(stepText(r.step, total: total))  skipped: loss \(r.loss), grad norm \(r.gradNorm) are not finite; weights stay as after step \(r.step - 1)"
        }
        return "\(stepText(r.step, total: total))  loss \(TrainSupport.fmt(r.loss))  lr \(TrainSupport.sci(r.lr))  gnorm \(TrainSupport.fmt(r.gradNorm, 2))"
    }

    func handle(_ event: TrainEvent) throws {
        let total = run.trainer.totalSteps
        switch event {
        case .step(let r, let done, let of):
            if r.skipped || done % every == 0 || done == of {
                print(Self.stepLine(r, total: total))
                lastPrinted = r.step
            }
            bar.update(Double(done))
            if tty, Date().timeIntervalSince(lastDraw) > 0.2 {
                lastDraw = Date()
                let status = bar.line() + "  \(Self.stepText(r.step, total: total))  loss \(TrainSupport.fmt(r.loss))  "
                    + StepShapeText.text(run.trainer.lastStepShape, packing: run.trainer.hyper.packing) + "  \(Int(r.tokensPerSecond)) tok/s"
                // one terminal row (ASCII), or the wrapped part would stay on screen: `\r ESC[K` clears one row
                let fitted = String(status.prefix(max(20, Terminal.width() - 1)))
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + fitted).utf8))
                statusShown = true
            }
        case .evaluation(let step, let e, let improved):
            var line = "eval at step \(step): valid loss \(TrainSupport.fmt(e.loss))  perplexity \(TrainSupport.fmt(e.perplexity, 2))"
            let h = run.trainer.hyper
            if h.earlyStop > 0 {
                line += improved ? "  (best so far)" : "  (no improvement: \(run.trainer.earlyStopping.waited) of \(h.earlyStop))"
            }
            print(line)
        case .checkpoint(let n, let c):
            var line = "checkpoint \(n) at step \(c.step)"
            if let v = c.validLoss { line += ": valid loss \(TrainSupport.fmt(v))" }
            print(line)
            for (i, a) in c.answers.enumerated() {
                let prompt = Self.checkpointPrompts(session, run)[safe: i] ?? ""
                print("  \(TrainSupport.preview(TrainSupport.oneLine(prompt), 40)) -> \(TrainSupport.preview(a, 100))")
            }
        }
    }

    func finish(_ o: TrainOutcome) {
        clearStatus()
        if let last = o.last, last.step != lastPrinted { print(Self.stepLine(last, total: run.trainer.totalSteps)) }
        if o.steps > 0 {
            session.out.note(String(format: "train: %@ in %@, %.0f tok/s", Plural.count(o.steps, "step"), ProgressBar.seconds(o.seconds),
                                    Double(o.tokens) / max(o.seconds, 1e-9)))
        }
        let at = run.trainer.position.step
        switch o.stop {
        case .finished: break
        case .interrupted: print("stopped by Ctrl-C after step \(at); `train` continues the run")
        case .timeUp: print("time is up after step \(at); `train` continues the run")
        case .earlyStop(let best, let waited):
            let c = run.checkpoints[best - 1]
            print("early stop: \(Plural.count(waited, "evaluation")) without improvement (early-stop \(run.trainer.hyper.earlyStop)); "
                  + "checkpoint \(best) (step \(c.step), valid loss \(c.validLoss.map { TrainSupport.fmt($0) } ?? "-")) is live")
        }
    }

    // MARK: probes

    /// What each checkpoint answers: the probes, or with none the held-out prompt of the run.
    static func checkpointAnswers(_ session: Session, _ model: ChatModel, _ run: TrainingRun) throws -> [String] {
        try checkpointMessages(session, run).map { try ProbeSet.answer(model, $0).text }
    }

    static func checkpointMessages(_ session: Session, _ run: TrainingRun) -> [[Message]] {
        if !session.probes.isEmpty { return session.probes.probes.map(\.messages) }
        return run.heldOut.map { [$0] } ?? []
    }

    static func checkpointPrompts(_ session: Session, _ run: TrainingRun) -> [String] {
        checkpointMessages(session, run).map { $0.last?.content ?? "" }
    }

    /// After a `train`: every probe answered by the live model; unchanged ones on one line, changed ones with
    /// the words that changed marked, the base answer and the reference beside.
    static func showProbes(_ session: Session, _ model: ChatModel, _ run: TrainingRun?) throws {
        guard !session.probes.isEmpty else { return }
        for i in session.probes.probes.indices {
            if Cancellation.requested { return }
            let p = session.probes.probes[i]
            let now = try ProbeSet.answer(model, p.messages).text
            let label = "probe \(i + 1)"
            if let last = p.lastAnswer, last == now {
                session.out.print("\(label) unchanged: \(TrainSupport.preview(TrainSupport.oneLine(p.prompt), 30)) -> \(TrainSupport.preview(now, 80))")
            } else {
                session.out.print("\(label) changed: \(TrainSupport.oneLine(p.prompt))")
                session.out.print("  now:  " + (p.lastAnswer.map { WordDiff.marked($0, now) } ?? now))
                if let b = p.baseAnswer { session.out.print("  base: " + b) }
                if let r = p.reference { session.out.print("  ref:  " + TrainSupport.oneLine(r)) }
            }
            session.probes.probes[i].lastAnswer = now
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
