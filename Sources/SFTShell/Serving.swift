// How the shell shares its live model with `serve`: the LiveModelGate every model user holds (commands run
// holding it, see Shell.run; the training loop lets waiting requests in between steps), the running server,
// and the view of the session a request is answered from (the model, its int8 copy, the training run's
// checkpoints and the generation settings `ask` uses).
import Foundation
import SFT
import SFTServe

public final class ServingState {
    public let gate = LiveModelGate()
    public var server: OpenAIServer?

    /// Commands that run without holding the gate: ones that wait for people or for the server (`serve send`
    /// asks the server, which needs the gate), that run other commands (`run`: each takes it), that manage it
    /// themselves (`chat` takes it per answer), or only read (`status`, `help`, `history`).
    static let ungated: Set<String> = ["serve", "chat", "run", "wait", "status", "help", "history", "clear", "quit", "exit"]

    public init() {}

    /// Stops the server if one runs; returns whether one did.
    @discardableResult
    public func stop() -> Bool {
        guard let s = server else { return false }
        s.stop()
        server = nil
        return true
    }
}

extension Session {
    /// What a request sees now: called by the server's worker holding the gate.
    public func liveView() -> LiveModelView? {
        guard let m = model else { return nil }
        let s = settings
        let sampler = SamplerConfig(temperature: Float(s.double("temperature")), topK: s.int("top-k"), topP: Float(s.double("top-p")),
                                    minP: Float(s.double("min-p")), repetitionPenalty: Float(s.double("repetition-penalty")))
        let system = s.string("system")
        return LiveModelView(model: m, runner: repoState.int8, run: run, sampler: sampler,
                             maxTokens: s.int("max-tokens"), system: system.isEmpty ? nil : system)
    }
}
