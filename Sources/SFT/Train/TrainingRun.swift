// TrainingRun: the life of one training run, in one place. It owns the Trainer (the step engine) and everything
// the run keeps beside it: checkpoints, the undo points of past `train` commands, the base weights of a full
// fine-tuning run (for --restart and --discard), and the loop that `train` runs (steps, evaluations, checkpoints,
// early stopping, time limit, Ctrl-C). Every saved state is a RunSnapshot. The shell only parses and prints:
// it calls `train` with a closure that renders each TrainEvent.
import Foundation

/// A checkpoint: a snapshot plus what was measured there.
public struct TrainCheckpoint: Sendable {
    public let snapshot: RunSnapshot
    public var step: Int { snapshot.step }
    public var trainLoss: Double?          // mean train loss of the steps since the previous checkpoint
    public var validLoss: Double?
    public var answers: [String]           // the probes' answers at this point (in probe order)
    public var bytes: Int { snapshot.buffers.bytesInMemory }
}

/// The state before one `train` command, so `undo` can take the command back exactly.
public struct UndoPoint: Sendable {
    public let snapshot: RunSnapshot
    public let checkpointCount: Int        // checkpoints the run had before the command
    public let label: String               // the command as typed, e.g. "train 5"
    public let tag: Int                    // the caller's id for the command (the shell's record index)
}

public enum TrainEvent {
    case step(StepRecord, done: Int, of: Int?)
    case evaluation(step: Int, EvalResult, improved: Bool)
    case checkpoint(number: Int, TrainCheckpoint)
}

public struct TrainOutcome: Sendable {
    public enum Stop: Sendable, Equatable {
        case finished, interrupted, timeUp
        case earlyStop(best: Int, waited: Int)   // checkpoint number made live, evaluations without improvement
    }
    public var steps: Int
    public var seconds: Double
    public var tokens: Int
    public var stop: Stop
    public var last: StepRecord?
}

public final class TrainingRun: @unchecked Sendable {
    public let trainer: Trainer
    public var mode: TrainingMode { trainer.mode }
    public private(set) var checkpoints: [TrainCheckpoint] = []
    public private(set) var undoPoints: [UndoPoint] = []
    /// Full fine-tuning: the weights from before training, put back by `discard`.
    private let base: [Float]?
    /// Where full fine-tuning snapshots (undo points, checkpoints) spill instead of memory; nil keeps them in memory.
    public var spillDirectory: String?
    /// How many undo points are kept (oldest dropped first): snapshots of full runs are three copies of the model.
    public var undoLimit: Int
    /// The held-out prompt answered at each checkpoint when no probes are set (the first validation sample's).
    public var heldOut: [Message]?
    /// Evaluates the validation set (tests script a curve with it); default: the trainer's validation loss.
    public var evaluate: (() throws -> EvalResult)?
    /// The step last written where the run can be taken up again (`save NAME`, `session save`, a resumed run);
    /// nil until then. `model load`, `lora drop`, `lora load` and `quit` warn about steps after it.
    public var savedStep: Int?

    /// True when the live state differs from the last saved one (a fresh run at step 0 has nothing to lose).
    public var hasUnsavedSteps: Bool { trainer.position.step != (savedStep ?? 0) }

    /// `base`: a full run's weights from before training; nil takes the model's weights now (a fresh run).
    public init(trainer: Trainer, base: [Float]? = nil, spillDirectory: String? = nil) {
        self.trainer = trainer
        self.spillDirectory = spillDirectory
        self.base = trainer.mode == .full ? (base ?? Array(trainer.transformer.params.storage.pointer)) : nil
        undoLimit = trainer.mode == .full ? 4 : 64
    }

    // MARK: snapshots

    private var spillCounter = 0
    /// A new file name in `spillDirectory` for a full run's snapshot; nil keeps snapshots in memory.
    func spillPath() throws -> String? {
        guard mode == .full, let dir = spillDirectory else { return nil }
        try AtomicFile.makeDirectory(dir)
        spillCounter += 1
        return dir + "/run-\(getpid())-\(UInt(bitPattern: ObjectIdentifier(self).hashValue) % 1_000_000)-\(spillCounter).f32"
    }

    /// A snapshot of the live state: in memory, or spilled to `spillDirectory` in full mode.
    public func snapshot(rng: RNG?) throws -> RunSnapshot {
        try trainer.snapshot(rng: rng, spillTo: try spillPath())
    }

    // MARK: checkpoints

    /// Keeps the live state as a checkpoint; returns its number (1-based as `checkpoints` lists them).
    @discardableResult
    public func saveCheckpoint(validLoss: Double?, answers: [String], rng: RNG?) throws -> Int {
        // The train loss since the checkpoint before this step (after `checkpoint use N` later ones may exist).
        let since = checkpoints.map(\.step).filter { $0 < trainer.position.step }.max() ?? 0
        let recent = trainer.metrics.steps.filter { $0.step > since && $0.step <= trainer.position.step && !$0.skipped }.map(\.loss)
        let ck = TrainCheckpoint(snapshot: try snapshot(rng: rng),
                                 trainLoss: recent.isEmpty ? nil : recent.reduce(0, +) / Double(recent.count),
                                 validLoss: validLoss, answers: answers)
        checkpoints.append(ck)
        return checkpoints.count
    }

    /// Number (1-based) of the checkpoint with the lowest validation loss, if any has one.
    public var bestCheckpoint: Int? {
        checkpoints.indices.filter { checkpoints[$0].validLoss?.isFinite == true }
            .min { checkpoints[$0].validLoss! < checkpoints[$1].validLoss! }.map { $0 + 1 }
    }

    /// The checkpoint whose weights are live right now (same step and weights as the run), if any.
    public internal(set) var liveCheckpoint: Int?

    /// Makes checkpoint `number` (1-based) the live state: weights, optimizer, position, metrics.
    public func useCheckpoint(_ number: Int) throws {
        guard checkpoints.indices.contains(number - 1) else {
            throw SFTError("there is no checkpoint \(number)", hint: checkpoints.isEmpty
                           ? "set save-steps N (or early-stop with eval-steps) so training keeps checkpoints"
                           : "`checkpoints` lists checkpoints 1 to \(checkpoints.count)")
        }
        try trainer.restore(checkpoints[number - 1].snapshot)
        liveCheckpoint = number
    }

    /// Adds checkpoints restored from files (`session load`).
    public func adoptCheckpoints(_ list: [TrainCheckpoint]) { checkpoints += list }

    // MARK: undo

    /// Remembers the state before a `train` command. Returns a note when the oldest undo point was dropped.
    @discardableResult
    public func beginCommand(_ label: String, tag: Int, rng: RNG?) throws -> String? {
        undoPoints.append(UndoPoint(snapshot: try snapshot(rng: rng), checkpointCount: checkpoints.count, label: label, tag: tag))
        guard undoPoints.count > undoLimit else { return nil }
        undoPoints.removeFirst(undoPoints.count - undoLimit)
        return "undo keeps the last \(undoLimit) train commands of a \(mode == .full ? "full fine-tuning" : "LoRA") run; the oldest can no longer be undone"
    }

    /// A `train` command that changed nothing (refused before its first step) is no undo point.
    public func cancelCommand(tag: Int) {
        if undoPoints.last?.tag == tag { undoPoints.removeLast() }
    }

    /// Takes back the last `n` train commands: the state before the earliest of them becomes live and the
    /// checkpoints they made are dropped. Returns the undone points (latest first) and the RNG to put back.
    public func undo(_ n: Int) throws -> (undone: [UndoPoint], rng: RNG?) {
        guard n >= 1 else { throw SFTError("undo takes a positive count, got \(n)", hint: "`undo` takes back the last train command") }
        guard n <= undoPoints.count else {
            throw SFTError(undoPoints.isEmpty ? "there is no train command to undo" : "only \(undoPoints.count) train command\(undoPoints.count == 1 ? "" : "s") can be undone",
                           hint: undoPoints.isEmpty ? "`train N` runs steps that `undo` can take back" : "`history` marks them with u")
        }
        let undone = Array(undoPoints.suffix(n).reversed())
        let target = undone.last!
        let rng = try trainer.restore(target.snapshot)
        undoPoints.removeLast(n)
        checkpoints.removeLast(checkpoints.count - min(checkpoints.count, target.checkpointCount))
        liveCheckpoint = nil
        return (undone, rng)
    }

    /// Puts restored undo points back (`session load`).
    public func adoptUndoPoints(_ list: [UndoPoint]) { undoPoints = list + undoPoints }

    // MARK: ending

    /// Ends the run: a full fine-tuning run puts the weights from before training back; LoRA leaves the base alone.
    public func discard() {
        if let base {
            base.withUnsafeBufferPointer { trainer.transformer.params.storage.base.update(from: $0.baseAddress!, count: base.count) }
            trainer.transformer.invalidateDecodeWeights()
            trainer.transformer.disableFullGradients()
        }
    }

    /// Full fine-tuning: the weights from before training (for `compare --with base`).
    public var baseWeights: [Float]? { base }
}
