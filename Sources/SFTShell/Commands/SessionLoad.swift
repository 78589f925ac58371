// The state beside a notebook: `session save NAME` also writes $SFT_HOME/sessions/NAME.state/ (session.json:
// model path, settings, dataset names, RNG; datasets/N.jsonl as messages JSONL; trainer/ the TrainerState of
// an active run, else adapter/ the PEFT files of an attached adapter), and `session load NAME` puts it all back
// in a fresh process: model, settings, datasets, adapter or training run (exactly where it stopped), RNG.
import ArgumentParser
import Foundation
import SFT

struct SessionStateFile: Codable {
    var version = 1
    var modelPath: String?
    var modelOrigin: String?            // repo:NAME of a full-weights model
    var settings: [String: String] = [:]
    var datasetNames: [String] = []
    var rng: RNG
    var adapterOrigin: String?
    var probes: ProbeSet?
}

enum SessionStateIO {
    static func directory(_ session: Session, _ base: String) -> String {
        session.paths.sessions.appendingPathComponent(base + ".state").path
    }

    /// Writes the state directory (replacing an old one); returns a one-line summary.
    static func save(_ session: Session, base: String) throws -> String {
        let dir = directory(session, base)
        let tmp = dir + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        try SFT.AtomicFile.makeDirectory(tmp + "/datasets")
        var file = SessionStateFile(rng: session.rng)
        for n in session.settings.names { if let v = session.settings.value(n) { file.settings[n] = v.description } }
        file.datasetNames = session.datasetNames
        file.probes = session.probes.isEmpty ? nil : session.probes
        for (i, n) in session.datasetNames.enumerated() {
            if let d = session.datasets[n] { try DatasetWriter.save(d.conversations, to: tmp + "/datasets/\(i).jsonl") }
        }
        var what = Plural.count(session.datasetNames.count, "dataset")
        if let m = session.model {
            file.modelPath = m.path
            file.modelOrigin = session.repoState.modelOrigin
            file.adapterOrigin = session.repoState.adapterOrigin
            if let r = session.run {
                try r.write(directory: tmp + "/trainer", rng: session.rng)
                what += ", the \(r.mode.rawValue) run at step \(r.trainer.position.step)"
                    + (r.checkpoints.isEmpty ? "" : " with \(Plural.count(r.checkpoints.count, "checkpoint"))")
                    + (r.undoPoints.isEmpty ? "" : " and \(Plural.count(r.undoPoints.count, "undo point"))")
            } else if let lora = m.transformer.lora {
                _ = try LoRAIO.write(lora, directory: tmp + "/adapter")
                what += ", the adapter"
            }
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try SFT.AtomicFile.write(try enc.encode(file), to: tmp + "/session.json")
        // swap in the new directory: the old one is removed only after the new one is complete
        let old = dir + ".old-\(getpid())"
        if FileManager.default.fileExists(atPath: dir) { try FileManager.default.moveItem(atPath: dir, toPath: old) }
        try FileManager.default.moveItem(atPath: tmp, toPath: dir)
        try? FileManager.default.removeItem(atPath: old)
        return what
    }

    static func load(_ session: Session, base: String) throws {
        let dir = directory(session, base)
        guard FileManager.default.fileExists(atPath: dir + "/session.json") else {
            throw SFTError("no saved state for session '\(base)'", hint: "`session save \(base)` writes it")
        }
        let data = try RegularFile.read(dir + "/session.json", limit: 64 << 20, what: "session state")
        let file: SessionStateFile
        do { file = try JSONDecoder().decode(SessionStateFile.self, from: data) } catch {
            throw SFTError("the session state is damaged: \(error)", hint: "save the session again", file: dir + "/session.json")
        }
        for (k, v) in file.settings.sorted(by: { $0.key < $1.key }) { _ = try? session.set(k, v) }
        for (i, n) in file.datasetNames.enumerated() {
            let d = try Dataset.load(dir + "/datasets/\(i).jsonl", name: n)
            _ = session.store(d)
        }
        var what = Plural.count(file.datasetNames.count, "dataset")
        if let path = file.modelPath {
            let m = try file.modelOrigin.map { try session.loadModelFromRepo($0, template: nil) } ?? ChatModel.load(path: path)
            session.setModel(m)
            session.repoState.modelOrigin = file.modelOrigin
            what = "\(m.name), " + what
            let trainerDir = dir + "/trainer"
            if FileManager.default.fileExists(atPath: trainerDir + "/" + TrainerState.jsonFile) {
                let state = try TrainerState.read(json: trainerDir + "/" + TrainerState.jsonFile)
                guard let dn = state.dataName, let ds = session.datasets[dn] else {
                    throw SFTError("the saved run's dataset '\(state.dataName ?? "?")' is missing from the state", hint: "save the session again")
                }
                let valid = try state.validName.flatMap { session.datasets[$0] }.map { try TrainSupport.render($0, m, maxSeqLen: state.hyper.maxSeqLen) } ?? []
                let base = state.mode == .full ? Array(m.params.storage.pointer) : nil
                let t = try Trainer.resume(state, buffers: trainerDir + "/" + TrainerState.buffersFile, transformer: m.transformer,
                                           train: try TrainSupport.render(ds, m, maxSeqLen: state.hyper.maxSeqLen), valid: valid)
                let run = TrainingRun(trainer: t, base: base, spillDirectory: session.spillDirectory)
                try run.readHistory(directory: trainerDir)
                run.heldOut = TrainSupport.probe(state.validName.flatMap { session.datasets[$0] } ?? ds)
                run.savedStep = t.position.step       // this state is on disk: nothing to lose yet
                session.begin(run)
                what += ", the \(t.mode.rawValue) run at step \(t.position.step)"
                    + (run.checkpoints.isEmpty ? "" : " with \(Plural.count(run.checkpoints.count, "checkpoint"))")
                    + (run.undoPoints.isEmpty ? "" : " and \(Plural.count(run.undoPoints.count, "undo point"))")
                    + " (next `train` continues it)"
            } else if FileManager.default.fileExists(atPath: dir + "/adapter/" + LoRAIO.configFile) {
                m.transformer.attach(lora: try LoRAIO.read(directory: dir + "/adapter", model: m.config))
                what += ", the adapter"
            }
            session.repoState.adapterOrigin = file.adapterOrigin
        }
        session.rng = file.rng
        if let p = file.probes { session.probes = p; what += ", \(Plural.count(p.probes.count, "probe"))" }
        session.out.print("loaded session '\(base)': " + what)
    }
}

struct SessionLoad: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Restore a session saved with `session save NAME`: model, settings, datasets, adapter, training run.")

    @Argument(help: "Notebook name (as given to `session save`).") var name: String
    @Flag(help: "Load even when the live training run has unsaved steps (it is replaced).") var force = false

    mutating func run(session: Session) throws {
        try session.refuseToDropUnsavedRun("session load \(name)", force: force)
        let base = name.hasSuffix(".sft") ? String(name.dropLast(4)) : name
        guard !base.isEmpty, !base.contains("/"), !base.hasPrefix(".") else {
            throw SFTError("bad notebook name '\(name)'", hint: "`session list` shows saved notebooks")
        }
        try SessionStateIO.load(session, base: base)
    }
}
