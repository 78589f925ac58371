// Session: everything loaded in one run of sft, in one visible place (no globals): settings, the seeded random
// generator, the record of commands run with their outputs (for `history` and `session save`), and, as they
// land, the model, datasets, adapters and checkpoints. Commands receive the session and change it.
import Foundation
import SFT

public final class Session {
    // MARK: settings and randomness
    /// Every change re-selects the matrix-product precision (`precision auto|bf16|fp32`).
    public var settings = Settings() { didSet { MatMul.select(settings.string("precision")) } }
    /// The one random generator (shuffling, dropout, init, sampling); reseeded whenever `seed` is set.
    public var rng: RNG

    // MARK: loaded things (the lead adds typed fields here)
    /// The active model: `ask`, `chat`, `tokens`, token views of data and training all use it.
    public var model: ChatModel?
    /// The training run on top of the model (its Trainer, checkpoints, undo points); nil until the first
    /// `train`. Ended with `endRun`, which says why undo is no longer possible.
    public private(set) var run: TrainingRun?
    /// The run's step engine (optimizer, schedule, position, metrics).
    public var trainer: Trainer? { run?.trainer }
    /// Why `undo` cannot go back past this point (the run was ended by `lora drop`, `model load` ...).
    public var undoEndedBy: String?
    /// Prompts answered after every `train` and at each checkpoint, with the base model's answers.
    public var probes = ProbeSet()
    /// What the repository commands remember: where the adapter or model came from, the int8 copy.
    public let repoState = RepoSessionState()
    /// `serve`: the gate every user of the live model holds, and the running server (Serving.swift).
    public let serving = ServingState()
    /// Datasets by name (`data load`, `data split` ...); `datasetNames` keeps them in load order.
    public var datasets: [String: Dataset] = [:]
    public var datasetNames: [String] = []
    /// From the active model (nil without one): its chat template (tokens + loss mask), the text of one token
    /// id, and its context length. `data show --tokens`, `data stats` and length checks use them.
    public var chatRenderer: ((Conversation) throws -> RenderedChat)? { model.map { m in { try m.render($0) } } }
    public var tokenDecoder: ((Int32) -> String)? { model.map { m in { m.tokenizer.displayPiece($0) } } }
    public var contextLength: Int? { model?.config.maxPositions }
    // public var adapters: [String: Adapter] = [:]
    // public var checkpoints: [Checkpoint] = []

    // MARK: the run
    public let startTime = Date()
    public let paths: SFTPaths
    public let out = Output()
    /// Commands that ran, in order, with what they printed.
    public private(set) var record: [RecordEntry] = []
    /// True when stdin is a terminal and the line editor is running (commands may clear the screen, etc).
    public var interactive = false
    /// How many `run FILE` scripts are running inside each other (guards against a script running itself).
    public var runDepth = 0
    /// Reads one more line of input for a command that converses (`chat`): the line editor in the REPL, the
    /// next script line in a script. nil at end of input. Set by whoever feeds the shell.
    public var readInput: ((_ prompt: String) -> String?)?
    /// The command running now, as typed (undo points are labelled with it).
    public internal(set) var currentCommand: String?
    /// Set by `quit`; the loop stops after the command.
    public var quitRequested = false
    /// `quit` or Ctrl-D already warned about an unsaved training run; the next one leaves.
    public var quitWarned = false
    /// Set by a command that was stopped part-way after doing work: the command that does what it did
    /// (`train 3` for a `train 10` stopped after 3 steps), so a notebook replays what ran.
    public var replayAs: String?
    /// Set by the REPL: switches the line editor's up-arrow history between chat messages (true) and shell
    /// commands (false). `chat` calls it on entry and exit; nil in scripts.
    public var useChatHistory: ((Bool) -> Void)?

    public struct RecordEntry {
        public var command: String
        public var output: String
        public var ok: Bool
        /// Stopped by Ctrl-C (not a failure: `history` marks it stopped).
        public var interrupted = false
        /// What a notebook writes instead of `command` when the command was stopped part-way (see `replayAs`).
        public var replayAs: String?
    }

    public init(paths: SFTPaths = SFTPaths()) {
        self.paths = paths
        rng = RNG(seed: UInt64(Settings().int("seed")))
        MatMul.select(settings.string("precision"))
    }

    /// Changes a setting with validation; `seed` also reseeds the generator.
    @discardableResult
    public func set(_ name: String, _ text: String) throws -> SettingValue {
        let v = try settings.set(name, text)
        if name == "seed" { rng = RNG(seed: UInt64(settings.int("seed"))) }
        return v
    }

    /// Makes `m` the active model. Anything trained on the previous model no longer applies to it.
    public func setModel(_ m: ChatModel) {
        model = m
        endRun(by: "`model load`")
        probes.forgetBaseAnswers()
        repoState.adapterOrigin = nil
        repoState.modelOrigin = nil
    }

    func appendRecord(_ entry: RecordEntry) { record.append(entry) }

    /// Makes `r` the live run (undo can go back to its start again).
    public func begin(_ r: TrainingRun) {
        run = r
        undoEndedBy = nil
    }

    /// Ends the live run, if any; `by` names what ended it, for `undo`'s message. A full fine-tuning run
    /// keeps its trained weights unless `discard` puts the base back.
    public func endRun(by what: String, discard: Bool = false) {
        guard let r = run else { return }
        if discard { r.discard() } else if r.mode == .full { r.trainer.transformer.disableFullGradients() }
        run = nil
        undoEndedBy = what
    }

    /// Where full fine-tuning snapshots spill: $SFT_HOME/spill.
    public var spillDirectory: String { paths.home.appendingPathComponent("spill").path }
}
