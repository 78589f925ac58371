// The loop behind `train`: optimizer steps until the count, the time limit or Ctrl-C; an evaluation every
// eval-steps; a checkpoint every save-steps, and at every evaluation while early stopping is on (so the best
// can be made live, as HF's load_best_model_at_end needs); early stopping as EarlyStopState says. Each thing
// that happens is passed to `onEvent` for the shell to print; nothing is printed here.
import Foundation

extension TrainingRun {
    /// Runs `steps` optimizer steps (nil: until `seconds` run out, or to the end of the planned schedule when
    /// neither is given). `answers` gives the probes' answers kept with each checkpoint; `rng` is the session's.
    public func train(steps: Int?, seconds: Double?, rng: RNG?, answers: () throws -> [String] = { [] },
                      onEvent: (TrainEvent) throws -> Void = { _ in }) throws -> TrainOutcome {
        let t = trainer
        let h = t.hyper
        if h.earlyStop > 0 {
            if t.valid.isEmpty && evaluate == nil {
                throw SFTError("early stopping (early-stop \(h.earlyStop)) needs a validation set",
                               hint: "`train --valid NAME`, a NAME.valid split (`data split NAME --valid 0.1`), or `set early-stop 0`")
            }
            if h.evalSteps == 0 {
                throw SFTError("early stopping needs evaluations", hint: "`set eval-steps N` evaluates every N steps")
            }
        }
        let planned = steps ?? (seconds == nil ? max(0, t.totalSteps - t.position.step) : nil)
        let start = Date()
        var done = 0, tokens = 0
        var stop = TrainOutcome.Stop.finished
        var last: StepRecord?
        liveCheckpoint = nil
        while planned.map({ done < $0 }) ?? true {
            if Cancellation.requested { stop = .interrupted; break }
            if let seconds, Date().timeIntervalSince(start) >= seconds { stop = .timeUp; break }
            let rec = try t.step()
            done += 1
            tokens += t.lastStepTokens
            last = rec
            try onEvent(.step(rec, done: done, of: planned))
            let hh = t.hyper
            var validLoss: Double?
            var improved = false
            if hh.evalSteps > 0, rec.step % hh.evalSteps == 0, !t.valid.isEmpty || evaluate != nil {
                let e = try evaluateAndRecord()
                validLoss = e.loss
                improved = t.earlyStopping.record(loss: e.loss, step: rec.step, delta: hh.earlyStopDelta)
                try onEvent(.evaluation(step: rec.step, e, improved: improved))
            }
            let keep = (hh.saveSteps > 0 && rec.step % hh.saveSteps == 0) || (hh.earlyStop > 0 && validLoss != nil)
            if keep {
                if validLoss == nil, hh.saveSteps > 0, !t.valid.isEmpty || evaluate != nil {
                    validLoss = try evaluateAndRecord().loss
                }
                let n = try saveCheckpoint(validLoss: validLoss, answers: try answers(), rng: rng)
                try onEvent(.checkpoint(number: n, checkpoints[n - 1]))
            }
            if hh.earlyStop > 0, t.earlyStopping.shouldStop(patience: hh.earlyStop), let best = bestCheckpoint {
                let waited = t.earlyStopping.waited
                try useCheckpoint(best)   // the run goes on from there, with that checkpoint's early-stopping state
                stop = .earlyStop(best: best, waited: waited)
                break
            }
        }
        return TrainOutcome(steps: done, seconds: Date().timeIntervalSince(start), tokens: tokens, stop: stop, last: last)
    }

    /// Evaluates (the scripted evaluator in tests) and records the result in the metrics.
    public func evaluateAndRecord() throws -> EvalResult {
        guard let evaluate else { return try trainer.evaluateAndRecord() }
        let r = try evaluate()
        trainer.recordEvaluation(r)
        return r
    }
}
