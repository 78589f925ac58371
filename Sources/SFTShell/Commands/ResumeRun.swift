// Exact resume in the shell: `save NAME` adds the training run's state to the entry (roles `trainer_state`,
// the TrainerState JSON, and `optimizer`, weights + Adam moments as raw f32), and `train --resume repo:NAME`
// rebuilds the Trainer from them on the active model: adapters (or full weights), AdamW moments, step,
// schedule position, metrics, the session RNG and the settings the run trained with. The datasets the run
// names must be loaded (same content: the rendered chats are hashed). Next `train N` continues the schedule.
import Foundation
import SFT

enum ResumeRun {
    static let stateRole = "trainer_state"
    static let buffersRole = "optimizer"

    /// Writes the live run's state to a scratch directory of `repo` and adds both files to `source`;
    /// returns the directory to delete after the save (nil when there is no run).
    static func addState(_ session: Session, to source: inout SaveSource, repo: Repository) throws -> String? {
        guard let t = session.trainer else { return nil }
        let dir = repo.temporaryDirectory + "/state-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
        let files = try TrainerState.write(t, rng: session.rng, directory: dir)
        source.files[stateRole] = URL(fileURLWithPath: files.json)
        source.files[buffersRole] = URL(fileURLWithPath: files.buffers)
        return dir
    }

    /// `train --resume repo:NAME`: replaces any active run with the saved one.
    static func resume(_ session: Session, _ model: ChatModel, source: String) throws -> TrainingRun {
        guard source.hasPrefix("repo:"), source.count > 5 else {
            throw SFTError("--resume takes repo:NAME, got '\(source)'", hint: "`repo list` shows saved entries; `save NAME` saves the run")
        }
        let name = String(source.dropFirst(5))
        let repo = try session.repository()
        let manifest = try repo.verifyEntry(name)
        guard let sf = manifest.files[stateRole], let bf = manifest.files[buffersRole] else {
            throw SFTError("entry '\(manifest.name)' holds no training state",
                           hint: "it was saved without an active run; `lora load repo:\(manifest.name)` loads its adapter, then `train` starts a new run")
        }
        if let want = manifest.baseModel?.hash, let have = try? ModelIdentity.weightsHash(path: model.path), want != have {
            throw SFTError("'\(manifest.name)' was trained on \(manifest.baseModel?.name ?? "another model"), the active model is \(model.name)",
                           hint: "`model load` the base it was trained on, then resume")
        }
        let state = try TrainerState.read(json: repo.blobPath(sf.digest))
        guard let dataName = state.dataName else {
            throw SFTError("the saved run does not name its dataset", hint: "save the run again")
        }
        let trainSet: Dataset
        do { trainSet = try TrainSupport.dataset(session, named: dataName) } catch {
            throw SFTError("the run trained on '\(dataName)', which is not loaded", hint: "`data load` it (same content) first, then `train --resume \(source)`")
        }
        var validChats: [RenderedChat] = []
        if let v = state.validName {
            guard let d = session.datasets[v] else {
                throw SFTError("the run validated on '\(v)', which is not loaded", hint: "`data load` it (or the split that made it) first")
            }
            validChats = try TrainSupport.render(d, model, maxSeqLen: state.hyper.maxSeqLen)
        }
        let chats = try TrainSupport.render(trainSet, model, maxSeqLen: state.hyper.maxSeqLen)
        if let old = session.run {
            session.endRun(by: "`train --resume`", discard: true)
            session.out.print("(the active \(old.mode.rawValue) run of \(Plural.count(old.trainer.position.step, "step")) is replaced)")
        }
        let base = state.mode == .full ? Array(model.params.storage.pointer) : nil
        let t = try Trainer.resume(state, buffers: repo.blobPath(bf.digest), transformer: model.transformer, train: chats, valid: validChats)
        let run = TrainingRun(trainer: t, base: base, spillDirectory: session.spillDirectory)
        run.heldOut = TrainSupport.probe(session.datasets[state.validName ?? ""] ?? trainSet)
        try applySettings(state.hyper, mode: state.mode, session)
        if let rng = state.rng { session.rng = rng }
        session.repoState.adapterOrigin = state.mode == .lora ? manifest.name : nil
        run.savedStep = t.position.step           // the repository entry holds this state
        session.begin(run)
        session.out.print("resumed \(state.mode == .lora ? "LoRA" : "full fine-tuning") run '\(manifest.name)' on '\(dataName)' at step \(t.position.step + 1) of \(t.totalSteps)"
                          + " (epoch \(t.position.epoch + 1), batch \(t.position.batch + 1) of \(t.plan.batchesPerEpoch))")
        return run
    }

    /// Makes the session settings say what the run trains with, so the next `train` changes nothing.
    static func applySettings(_ h: Hyperparameters, mode: TrainingMode, _ session: Session) throws {
        for f in HyperparameterTable.fields where !(f.loraShape && mode == .full) {
            try session.set(f.name, f.read(h).description)
        }
    }
}
