// TrainerState: everything a Trainer needs to go on exactly where it stopped, as files. The scalar part
// (mode, hyperparameters, position, Adam step count, LoRA config, metrics, dataset names, a hash of the
// rendered training chats, the dropout counter, the session RNG) is a small JSON; the big part is one raw
// little-endian f32 file holding [trainable weights | Adam m | Adam v] (each `trainableCount` floats).
// `Trainer.resume` rebuilds a Trainer from both on a fresh Transformer: N steps, save, resume, M steps gives
// the same losses bit for bit as N+M steps. Batch order is a pure function of (seed, epoch), so the position
// is all the data order needs. Both files are written atomically (AtomicFile).
import Foundation

public struct TrainerState: Codable, Equatable, Sendable {
    public static let currentVersion = 1
    public var version = TrainerState.currentVersion
    public var mode: TrainingMode
    public var hyper: Hyperparameters
    public var position: TrainPosition
    public var adamSteps: Int
    public var trainableCount: Int
    public var lora: LoRAConfig?          // LoRA mode: the adapters' shape (weights are in the buffers file)
    public var metrics: MetricsLog
    public var dataName: String?
    public var validName: String?
    public var trainChats: Int
    public var trainHash: String          // sha256 of the rendered training chats (tokens + trained mask)
    public var dropoutStep: UInt64
    public var rng: RNG?                  // the session's generator, when the shell saves one
    public var earlyStopping: EarlyStopState?   // nil in runs saved before early stopping existed

    /// `sha256:<hex>` of rendered chats: each chat's token count, tokens and trained flags.
    public static func hash(_ chats: [RenderedChat]) -> String {
        var h = SHA256()
        for c in chats {
            var n = UInt64(c.tokens.count).littleEndian
            withUnsafeBytes(of: &n) { h.update($0) }
            c.tokens.withUnsafeBytes { h.update($0) }
            h.update(c.trained.map { $0 ? UInt8(1) : UInt8(0) })
        }
        return "sha256:" + h.finalizeHex()
    }

    // MARK: files

    public static let jsonFile = "trainer_state.json"
    public static let buffersFile = "optimizer.f32"

    /// Writes `json` and the buffers file into `directory` (created if needed); returns both paths.
    @discardableResult
    public static func write(_ trainer: Trainer, rng: RNG? = nil, directory: String) throws -> (json: String, buffers: String) {
        try AtomicFile.makeDirectory(directory)
        let json = directory + "/" + jsonFile, buf = directory + "/" + buffersFile
        try writeBuffers(trainer, to: buf)
        try AtomicFile.write(try encode(trainer.state(rng: rng)), to: json)
        return (json, buf)
    }

    /// Reads the JSON part.
    public static func read(json path: String) throws -> TrainerState {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SFTError("cannot read the trainer state", hint: "was it saved with a training run active?", file: path)
        }
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let s: TrainerState
        do { s = try dec.decode(TrainerState.self, from: data) } catch {
            throw SFTError("the trainer state is damaged: \(error)", hint: "save the run again", file: path)
        }
        guard s.version == currentVersion else {
            throw SFTError("trainer state version \(s.version), this sft reads \(currentVersion)", hint: "save the run again", file: path)
        }
        return s
    }

    /// [weights | m | v] as raw little-endian f32.
    static func writeBuffers(_ t: Trainer, to path: String) throws {
        let (p, _) = t.trainable
        try AtomicFile.write(to: path) { w in
            for b in [p, t.optimizer.m, t.optimizer.v] {
                try w.write(UnsafeRawBufferPointer(start: b.base, count: t.trainableCount * MemoryLayout<Float>.stride))
            }
        }
    }

    /// Reads the three buffers of `count` floats each.
    public static func readBuffers(_ path: String, count: Int) throws -> (weights: [Float], m: [Float], v: [Float]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SFTError("cannot read the optimizer state", hint: "save the run again", file: path)
        }
        let want = 3 * count * MemoryLayout<Float>.stride
        guard data.count == want else {
            throw SFTError("the optimizer state holds \(data.count) bytes, expected \(want)", hint: "the file is damaged or from another run", file: path)
        }
        var all = [Float](repeating: 0, count: 3 * count)
        all.withUnsafeMutableBytes { dst in data.withUnsafeBytes { dst.copyMemory(from: $0) } }
        return (Array(all[0..<count]), Array(all[count..<2 * count]), Array(all[2 * count..<3 * count]))
    }
}

extension Trainer {
    /// The scalar part of the live state.
    public func state(rng: RNG? = nil) -> TrainerState {
        TrainerState(mode: mode, hyper: hyper, position: position, adamSteps: optimizer.steps, trainableCount: trainableCount,
                     lora: mode == .lora ? transformer.lora?.config : nil, metrics: metrics, dataName: dataName,
                     validName: validName, trainChats: plan.chats.count, trainHash: TrainerState.hash(plan.chats),
                     dropoutStep: transformer.dropoutStep, rng: rng, earlyStopping: earlyStopping)
    }

    /// A Trainer that continues `state` on `transformer` (the base weights; full mode overwrites them, LoRA mode
    /// attaches fresh adapters of the saved shape and fills them). `train` must render to the same chats.
    public static func resume(_ state: TrainerState, buffers path: String, transformer: Transformer,
                              train: [RenderedChat], valid: [RenderedChat] = []) throws -> Trainer {
        guard train.count == state.trainChats, TrainerState.hash(train) == state.trainHash else {
            throw SFTError("the training data differs from the saved run's '\(state.dataName ?? "?")' (\(state.trainChats) conversations, \(state.trainHash.prefix(19)))",
                           hint: "load the same dataset (and model template) the run was saved with")
        }
        let bufs = try TrainerState.readBuffers(path, count: state.trainableCount)
        switch state.mode {
        case .lora:
            guard let cfg = state.lora else {
                throw SFTError("the saved LoRA run has no adapter config", hint: "save the run again", file: path)
            }
            transformer.attach(lora: try LoRA(model: transformer.config, config: cfg))
        case .full:
            transformer.attach(lora: nil)
        }
        let t = try Trainer(transformer: transformer, mode: state.mode, hyper: state.hyper, train: train, valid: valid)
        guard t.trainableCount == state.trainableCount else {
            throw SFTError("the saved run trains \(state.trainableCount) parameters, this model \(t.trainableCount)",
                           hint: "load the model the run was saved with", file: path)
        }
        let (p, _) = t.trainable
        bufs.weights.withUnsafeBufferPointer { p.base.update(from: $0.baseAddress!, count: p.count) }
        t.optimizer.restore(m: bufs.m, v: bufs.v, steps: state.adamSteps)
        t.apply(state)
        return t
    }
}
