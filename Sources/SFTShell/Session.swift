// Session: everything loaded in one run of sft, in one visible place (no globals): settings, the seeded random
// generator, the record of commands run with their outputs (for `history` and `session save`), and, as they
// land, the model, datasets, adapters and checkpoints. Commands receive the session and change it.
import Foundation
import SFT

public final class Session {
    // MARK: settings and randomness
    public var settings = Settings()
    /// The one random generator (shuffling, dropout, init, sampling); reseeded whenever `seed` is set.
    public var rng: SeededGenerator

    // MARK: loaded things (the lead adds typed fields here)
    // public var model: LoadedModel?                 // the model in memory (status: StatusReport.modelLines)
    /// Datasets by name (`data load`, `data split` ...); `datasetNames` keeps them in load order.
    public var datasets: [String: Dataset] = [:]
    public var datasetNames: [String] = []
    /// Set when a model loads (nil without one): its chat template (tokens + loss mask), the text of one token
    /// id, and its context length. `data show --tokens`, `data stats` and length checks use them.
    public var chatRenderer: ((Conversation) throws -> RenderedChat)?
    public var tokenDecoder: ((Int32) -> String)?
    public var contextLength: Int?
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
    /// Set by `quit`; the loop stops after the command.
    public var quitRequested = false

    public struct RecordEntry {
        public var command: String
        public var output: String
        public var ok: Bool
    }

    public init(paths: SFTPaths = SFTPaths()) {
        self.paths = paths
        rng = SeededGenerator(seed: UInt64(Settings().int("seed")))
    }

    /// Changes a setting with validation; `seed` also reseeds the generator.
    @discardableResult
    public func set(_ name: String, _ text: String) throws -> SettingValue {
        let v = try settings.set(name, text)
        if name == "seed" { rng = SeededGenerator(seed: UInt64(settings.int("seed"))) }
        return v
    }

    func appendRecord(_ entry: RecordEntry) { record.append(entry) }
}

/// SplitMix64: small, fast, and the same sequence on every machine for a seed.
public struct SeededGenerator: RandomNumberGenerator {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
