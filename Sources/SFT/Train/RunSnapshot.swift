// RunSnapshot: everything a training run is at one moment, the one type behind checkpoints, `undo`,
// `train --restart/--discard`, `session save` state and `save`/`--resume`. The scalar part is a TrainerState
// (mode, hyperparameters, position, Adam step count, metrics, early-stopping state, dropout counter, RNG); the
// big part is three buffers of `count` floats: [trainable weights | Adam m | Adam v]. Buffers live in memory
// (LoRA: a few MB) or spill to a file (full fine-tuning: three copies of the model), and a spilled file is
// removed when the last snapshot holding it goes away.
import Foundation

public final class SnapshotBuffers: @unchecked Sendable {
    public let count: Int                   // floats per buffer
    private let memory: [Float]?            // 3 * count: weights, m, v
    public let path: String?                // spilled: raw little-endian f32, 3 * count

    /// Copies the three buffers into memory.
    init(weights: UnsafePointer<Float>, m: UnsafePointer<Float>, v: UnsafePointer<Float>, count: Int) {
        self.count = count
        var all = [Float](repeating: 0, count: 3 * count)
        all.withUnsafeMutableBufferPointer { dst in
            dst.baseAddress!.update(from: weights, count: count)
            (dst.baseAddress! + count).update(from: m, count: count)
            (dst.baseAddress! + 2 * count).update(from: v, count: count)
        }
        memory = all
        path = nil
    }

    /// Writes the three buffers to `path` (atomically); the file belongs to this object from now on.
    init(spilling weights: UnsafePointer<Float>, m: UnsafePointer<Float>, v: UnsafePointer<Float>, count: Int, to path: String) throws {
        self.count = count
        memory = nil
        self.path = path
        try AtomicFile.write(to: path) { w in
            for b in [weights, m, v] { try w.write(UnsafeRawBufferPointer(start: b, count: count * MemoryLayout<Float>.stride)) }
        }
    }

    /// Takes over a buffers file already on disk (a copy made for this object), checking its size.
    init(adopting path: String, count: Int) throws {
        let want = 3 * count * MemoryLayout<Float>.stride
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        guard size == want else {
            throw SFTError("the snapshot holds \(size) bytes, expected \(want)", hint: "the file is damaged or from another run", file: path)
        }
        self.count = count
        memory = nil
        self.path = path
    }

    /// Reads a buffers file into memory.
    init(reading path: String, count: Int) throws {
        let b = try TrainerState.readBuffers(path, count: count)
        self.count = count
        memory = b.weights + b.m + b.v
        self.path = nil
    }

    deinit { if let path { unlink(path) } }

    /// Writes the three buffers to `file` atomically (a copy: this object keeps its own).
    func write(to file: String) throws {
        if let memory {
            try AtomicFile.write(to: file) { w in try memory.withUnsafeBytes { try w.write($0) } }
        } else if let path {
            guard let h = FileHandle(forReadingAtPath: path) else { throw SFTError("the snapshot file is gone", file: path) }
            defer { try? h.close() }
            try AtomicFile.write(to: file) { w in
                while let chunk = try h.read(upToCount: 64 << 20), !chunk.isEmpty { try chunk.withUnsafeBytes { try w.write($0) } }
            }
        }
    }

    /// Bytes held in memory (a spilled snapshot holds none).
    public var bytesInMemory: Int { (memory?.count ?? 0) * MemoryLayout<Float>.stride }

    /// Copies the buffers back into place.
    func load(weights: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) throws {
        if let memory {
            memory.withUnsafeBufferPointer { src in
                weights.update(from: src.baseAddress!, count: count)
                m.update(from: src.baseAddress! + count, count: count)
                v.update(from: src.baseAddress! + 2 * count, count: count)
            }
            return
        }
        guard let path, let h = FileHandle(forReadingAtPath: path) else {
            throw SFTError("the snapshot file is gone", hint: "it lived in $SFT_HOME/spill; the run cannot go back to it", file: path)
        }
        defer { try? h.close() }
        for dst in [weights, m, v] {
            let want = count * MemoryLayout<Float>.stride
            var got = 0
            while got < want {
                let chunk = try h.read(upToCount: min(want - got, 64 << 20)) ?? Data()
                if chunk.isEmpty {
                    throw SFTError("the snapshot file is short (\(got) of \(want) bytes)", hint: "the disk may have been full when it was written", file: path)
                }
                chunk.withUnsafeBytes { UnsafeMutableRawPointer(dst).advanced(by: got).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                got += chunk.count
            }
        }
    }

    /// The weights part as an array (tests, exports of a checkpoint).
    public func weights() throws -> [Float] {
        var w = [Float](repeating: 0, count: count), m = w, v = w
        try w.withUnsafeMutableBufferPointer { wp in
            try m.withUnsafeMutableBufferPointer { mp in
                try v.withUnsafeMutableBufferPointer { vp in try load(weights: wp.baseAddress!, m: mp.baseAddress!, v: vp.baseAddress!) }
            }
        }
        return w
    }
}

public struct RunSnapshot: Sendable {
    public let state: TrainerState
    public let buffers: SnapshotBuffers
    public var step: Int { state.position.step }
}

extension Trainer {
    /// The live state as a snapshot; `spillTo` writes the buffers to that file instead of memory.
    public func snapshot(rng: RNG?, spillTo path: String? = nil) throws -> RunSnapshot {
        let (p, _) = trainable
        let n = trainableCount
        let buffers = try path.map { try SnapshotBuffers(spilling: p.base, m: optimizer.m.base, v: optimizer.v.base, count: n, to: $0) }
            ?? SnapshotBuffers(weights: p.base, m: optimizer.m.base, v: optimizer.v.base, count: n)
        return RunSnapshot(state: state(rng: rng), buffers: buffers)
    }

    /// Makes `s` the live state: weights, optimizer moments and steps, position, metrics, early stopping,
    /// hyperparameters, dropout counter. Returns the RNG the snapshot kept, for the caller to put back.
    @discardableResult
    public func restore(_ s: RunSnapshot) throws -> RNG? {
        guard s.state.mode == mode, s.buffers.count == trainableCount else {
            throw SFTError("that snapshot belongs to another run (\(s.state.mode.rawValue), \(s.buffers.count) parameters)",
                           hint: "snapshots apply to the run that made them")
        }
        let (p, _) = trainable
        try s.buffers.load(weights: p.base, m: optimizer.m.base, v: optimizer.v.base)
        apply(s.state)
        return s.state.rng
    }

    /// The scalar part of a state (buffers already in place).
    func apply(_ state: TrainerState) {
        optimizer.restoreSteps(state.adamSteps)
        position = state.position
        metrics = state.metrics
        earlyStopping = state.earlyStopping ?? EarlyStopState()
        hyper = state.hyper
        optimizer.config = Self.adamConfig(hyper)
        dataName = state.dataName
        validName = state.validName
        transformer.dropoutStep = state.dropoutStep
        transformer.invalidateDecodeWeights()
        gradientsZeroed = false
    }
}
