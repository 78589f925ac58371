// `train [N] [--epochs E] [--for 10m] [--data NAME[,NAME]] [--valid NAME] [--full] [--restart] [--discard] [--resume repo:NAME]`.
// Parses, checks, and calls the core TrainingRun: the first `train` starts a run from the settings (LoRA when
// adapters are attached or by default, full fine-tuning with --full); later calls continue it. Every call is
// an undo point. Changed settings apply from the next step or need --restart, and the command says which.
// TrainReport prints what happens (step lines on stdout, status line on stderr, probes afterwards).
import ArgumentParser
import Foundation
import SFT

struct TrainCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train N optimizer steps (default: to the end of the planned epochs); continues the run.")

    @OptionGroup var args: TrainArguments
    @Flag(help: "End the run without training (full mode puts the base weights back).") var discard = false
    @Option(help: "Continue a run saved with `save NAME`: repo:NAME (its datasets must be loaded).") var resume: String?

    mutating func run(session: Session) throws {
        let model = try TrainSupport.model(session)
        try args.check()
        if let resume {
            if discard || args.restart || args.data != nil || args.valid != nil {
                throw SFTError("--resume takes the run as it was saved", hint: "drop --discard/--restart/--data/--valid; `set` changes live settings after resuming")
            }
            _ = try ResumeRun.resume(session, model, source: resume)
            if !args.runsSteps { return }
        }
        if discard {
            guard let old = session.run else { return session.out.print("there is no training run") }
            session.endRun(by: "`train --discard`", discard: true)
            return session.out.print("discarded: the \(old.mode.rawValue) run of \(Plural.count(old.trainer.position.step, "step")) is gone"
                                     + (old.mode == .full ? "; the weights from before training are back" : ""))
        }
        if args.restart, let old = session.run {
            _ = try TrainStart.prepare(session, model, args)   // check everything before anything is dropped
            session.endRun(by: "`train --restart`", discard: true)
            session.out.print("restarting: the \(old.mode.rawValue) run of \(Plural.count(old.trainer.position.step, "step")) is gone")
        }
        let run = try session.run.map { try TrainStart.continuing($0, session, args) } ?? TrainStart.start(session, model, args)
        guard let steps = try args.stepsNow(run.trainer) else {
            return session.out.print("the plan (\(Plural.count(run.trainer.totalSteps, "step"))) is done; `train N` runs more at the final learning rate, or raise epochs")
        }
        let outcome = try Self.train(session, model, run, steps: steps, seconds: args.limit)
        if session.runDepth == 0, outcome.steps > 0, outcome.stop == .interrupted || outcome.stop == .timeUp {
            session.replayAs = replayCommand(steps: outcome.steps)    // a notebook replays what ran
        }
    }

    /// `train 3 --data x ...`: this command as it would run exactly the steps that ran.
    func replayCommand(steps: Int) -> String {
        var words = ["train", String(steps)]
        if let resume { words += ["--resume", resume] }
        if let d = args.data { words += ["--data", d] }
        if let v = args.valid { words += ["--valid", v] }
        if args.full { words.append("--full") }
        if args.restart { words.append("--restart") }
        return words.map(Self.quoted).joined(separator: " ")
    }

    /// A word as the line splitter reads it back: single-quoted when it has anything but plain characters.
    static func quoted(_ w: String) -> String {
        let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.,:/+=@"))
        if !w.isEmpty, w.unicodeScalars.allSatisfy({ plain.contains($0) }) { return w }
        return "'" + w.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// One burst: an undo point, the loop, the report, the probes.
    @discardableResult
    static func train(_ session: Session, _ model: ChatModel, _ run: TrainingRun, steps: Int?, seconds: Double?) throws -> TrainOutcome {
        let tag = session.record.count
        if let note = try run.beginCommand(session.currentCommand ?? "train", tag: tag, rng: session.rng) { session.out.note(note) }
        let report = TrainReport(session: session, run: run, steps: steps)
        report.begin()
        let outcome: TrainOutcome
        do {
            outcome = try run.train(steps: steps, seconds: seconds, rng: session.rng,
                                    answers: { try TrainReport.checkpointAnswers(session, model, run) },
                                    onEvent: { event in
                                        try report.handle(event)
                                        // serve: requests that came during the step are answered now, between steps.
                                        if case .step = event { session.serving.gate.yieldToWaiters() }
                                    })
        } catch {
            report.clearStatus()
            throw error
        }
        if outcome.steps == 0 { run.cancelCommand(tag: tag) }
        report.finish(outcome)
        try TrainReport.showProbes(session, model, run)
        return outcome
    }
}

/// The options `train` and `plan` share.
struct TrainArguments: ParsableArguments {
    @Argument(help: "Optimizer steps to run now.") var steps: Int?
    @Option(help: "Run this many epochs' worth of steps now.") var epochs: Int?
    @Option(name: .customLong("for"), help: "Run for a time: 90s, 10m, 1h.") var duration: String?
    @Option(help: "Training dataset(s): loaded names or data files, comma-separated (default: the run's, else NAME.train, else the last loaded).")
    var data: String?
    @Option(help: "Validation dataset: a name or a data file (default: NAME.valid beside NAME.train, or 'valid').") var valid: String?
    @Flag(help: "Fine-tune every weight instead of LoRA adapters.") var full = false
    @Flag(help: "Start the run over (fresh adapters or the base weights, new optimizer and schedule).") var restart = false

    var limit: Double? { (try? duration.map(Self.seconds)) ?? nil }
    var runsSteps: Bool { steps != nil || epochs != nil || duration != nil }

    func check() throws {
        if let steps, steps < 1 { throw SFTError("train needs a positive number of steps, got \(steps)", hint: "e.g. `train 20`") }
        if let epochs, epochs < 1 { throw SFTError("--epochs must be at least 1", hint: "e.g. `train --epochs 1`") }
        if let duration { _ = try Self.seconds(duration) }
    }

    /// Steps to run now: N, epochs' worth, nil with --for alone (until the time is up) ... and the rest of the
    /// schedule by default; returns nil (outer) when the schedule is done and nothing else was asked.
    func stepsNow(_ t: Trainer) throws -> Int?? {
        if let steps { return .some(steps) }
        if let epochs { return .some(epochs * t.stepsPerEpoch) }
        if duration != nil { return .some(nil) }
        let n = t.totalSteps - t.position.step
        return n > 0 ? .some(n) : nil
    }

    /// `90s`, `10m`, `1h`, `1.5h`, plain seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var t = text.lowercased(), mult = 1.0
        if let u = t.last, let m = units[u] { mult = m; t.removeLast() }
        guard let v = Double(t), v > 0, v.isFinite else {
            throw SFTError("cannot read the duration '\(text)'", hint: "use e.g. 90s, 10m or 1h")
        }
        return v * mult
    }
}
