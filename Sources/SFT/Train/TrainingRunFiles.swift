// A whole TrainingRun as files, for `session save` / `session load`: the live state (TrainerState's
// trainer_state.json + optimizer.f32, the same pair `save NAME` puts in the repository), and beside it every
// checkpoint and undo point as the same pair plus a small meta.json:
//   DIR/trainer_state.json, DIR/optimizer.f32
//   DIR/checkpoints/K/{trainer_state.json, optimizer.f32, meta.json}   K = 1, 2, ...
//   DIR/undo/K/{trainer_state.json, optimizer.f32, meta.json}          oldest first
// so a loaded session can still `checkpoint use N` and `undo` exactly as before it was saved.
import Foundation

struct CheckpointMeta: Codable {
    var trainLoss: Double?
    var validLoss: Double?
    var answers: [String]
}

struct UndoMeta: Codable {
    var checkpointCount: Int
    var label: String
    var tag: Int
}

extension RunSnapshot {
    /// Writes the pair (state JSON, buffers) into `dir`.
    func write(directory dir: String) throws {
        try AtomicFile.makeDirectory(dir)
        try buffers.write(to: dir + "/" + TrainerState.buffersFile)
        try AtomicFile.write(try TrainerState.encode(state), to: dir + "/" + TrainerState.jsonFile)
    }

    /// Reads a pair back; `spillTo` copies the buffers there (full runs) instead of reading them into memory.
    static func read(directory dir: String, spillTo: String?) throws -> RunSnapshot {
        let state = try TrainerState.read(json: dir + "/" + TrainerState.jsonFile)
        let src = dir + "/" + TrainerState.buffersFile
        let buffers: SnapshotBuffers
        if let spillTo {
            try? FileManager.default.removeItem(atPath: spillTo)
            try FileManager.default.copyItem(atPath: src, toPath: spillTo)
            buffers = try SnapshotBuffers(adopting: spillTo, count: state.trainableCount)
        } else {
            buffers = try SnapshotBuffers(reading: src, count: state.trainableCount)
        }
        return RunSnapshot(state: state, buffers: buffers)
    }
}

extension TrainingRun {
    /// Writes the live state, the checkpoints and the undo points into `dir` (created if needed).
    public func write(directory dir: String, rng: RNG?) throws {
        try TrainerState.write(trainer, rng: rng, directory: dir)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        for (i, c) in checkpoints.enumerated() {
            let d = dir + "/checkpoints/\(i + 1)"
            try c.snapshot.write(directory: d)
            try AtomicFile.write(try enc.encode(CheckpointMeta(trainLoss: c.trainLoss, validLoss: c.validLoss, answers: c.answers)), to: d + "/meta.json")
        }
        for (i, u) in undoPoints.enumerated() {
            let d = dir + "/undo/\(i + 1)"
            try u.snapshot.write(directory: d)
            try AtomicFile.write(try enc.encode(UndoMeta(checkpointCount: u.checkpointCount, label: u.label, tag: u.tag)), to: d + "/meta.json")
        }
    }

    /// Restores the checkpoints and undo points written by `write` (the live state is read by Trainer.resume).
    public func readHistory(directory dir: String) throws {
        let fm = FileManager.default
        func numbered(_ sub: String) -> [String] {
            let names = (try? fm.contentsOfDirectory(atPath: dir + "/" + sub)) ?? []
            return names.compactMap(Int.init).sorted().map { dir + "/\(sub)/\($0)" }
        }
        func meta<T: Decodable>(_ type: T.Type, _ d: String) throws -> T {
            guard fm.fileExists(atPath: d + "/meta.json") else { throw SFTError("missing meta.json", hint: "save the session again", file: d) }
            let data = try RegularFile.read(d + "/meta.json", limit: 16 << 20, what: "meta.json")
            do { return try JSONDecoder().decode(T.self, from: data) } catch {
                throw SFTError("meta.json is damaged: \(error)", hint: "save the session again", file: d + "/meta.json")
            }
        }
        var list: [TrainCheckpoint] = []
        for d in numbered("checkpoints") {
            let m = try meta(CheckpointMeta.self, d)
            list.append(TrainCheckpoint(snapshot: try RunSnapshot.read(directory: d, spillTo: spillPath()), trainLoss: m.trainLoss,
                                        validLoss: m.validLoss, answers: m.answers))
        }
        adoptCheckpoints(list)
        var points: [UndoPoint] = []
        for d in numbered("undo") {
            let m = try meta(UndoMeta.self, d)
            points.append(UndoPoint(snapshot: try RunSnapshot.read(directory: d, spillTo: spillPath()), checkpointCount: m.checkpointCount,
                                    label: m.label, tag: m.tag))
        }
        adoptUndoPoints(points)
    }
}

extension TrainerState {
    /// The JSON bytes as `write` stores them (speeds zeroed so the same run always writes the same bytes).
    static func encode(_ s: TrainerState) throws -> Data {
        var state = s
        for i in state.metrics.steps.indices { state.metrics.steps[i].tokensPerSecond = 0 }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(state)
    }
}
