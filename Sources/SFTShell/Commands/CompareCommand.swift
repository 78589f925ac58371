// `compare [--system T] PROMPT [--with base,live,ckpt:N,repo:NAME,...]`: the same prompt answered greedily by
// each model variant (default: base and live), with its token count and mean log-probability per token; side by
// side where the terminal is wide enough for every column, stacked otherwise (always stacked in scripts, so
// transcripts do not depend on the terminal). The live weights are put back exactly after each variant.
import ArgumentParser
import Foundation
import SFT

struct CompareCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Answer one prompt with several variants (base, live, ckpt:N, repo:NAME) side by side.")

    @Option(help: "System prompt.") var system: String?
    @Option(name: .customLong("with"), help: "Comma-separated variants: base, live, ckpt:N, repo:NAME (default: base,live).")
    var variants: String = "base,live"
    @Option(name: .customLong("max-tokens"), help: "Most new tokens per answer.") var maxTokens: Int = 64
    @Argument(help: "The prompt.") var words: [String] = []

    struct Answer { var label: String; var result: GenerationResult }

    mutating func run(session: Session) throws {
        let model = try session.requireModel()
        guard !words.isEmpty else { throw SFTError("compare needs a prompt", hint: "compare \"who are you?\" --with base,live") }
        guard (1...4096).contains(maxTokens) else { throw SFTError("--max-tokens must be in 1 to 4096, got \(maxTokens)", hint: "e.g. --max-tokens 64") }
        let messages = (system.map { [Message(.system, $0)] } ?? []) + [Message(.user, words.joined(separator: " "))]
        let labels = variants.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !labels.isEmpty else { throw SFTError("--with needs at least one variant", hint: "e.g. --with base,live,ckpt:2") }
        var answers: [Answer] = []
        for label in labels {
            if Cancellation.requested { break }
            let ask = { try ProbeSet.answer(model, messages, maxTokens: maxTokens) }
            answers.append(Answer(label: label, result: try Self.answer(session, model, label, ask)))
        }
        render(session, answers)
    }

    /// One variant's answer, with the live weights back afterwards.
    static func answer(_ session: Session, _ model: ChatModel, _ label: String, _ ask: () throws -> GenerationResult) throws -> GenerationResult {
        switch label {
        case "live": return try ask()
        case "base":
            if let r = session.run { return try r.withBase(ask) }
            return try model.transformer.withAdaptersOff(ask)
        default:
            if label.hasPrefix("ckpt:") {
                guard let n = Int(label.dropFirst(5)) else { throw SFTError("bad variant '\(label)'", hint: "ckpt:N with N from `checkpoints`") }
                guard let r = session.run else { throw SFTError("there is no training run, so no checkpoints", hint: "`train` with save-steps keeps them") }
                return try r.withCheckpoint(n, ask)
            }
            if label.hasPrefix("repo:") {
                let (lora, _) = try RepoEntries.loadAdapter(repo: try session.repository(), name: String(label.dropFirst(5)), model: model.config)
                let t = model.transformer, live = t.lora
                t.attach(lora: lora)
                defer { t.attach(lora: live); t.invalidateDecodeWeights() }
                return try ask()
            }
            throw SFTError("unknown variant '\(label)'", hint: "variants: base, live, ckpt:N, repo:NAME")
        }
    }

    private func render(_ session: Session, _ answers: [Answer]) {
        func stats(_ r: GenerationResult) -> String {
            "\(Plural.count(r.tokens.count, "token")), mean log-prob \(TrainSupport.fmt(r.meanLogProb, 2))"
        }
        let width = Terminal.width()
        let gap = 3
        let column = answers.isEmpty ? width : (width - gap * (answers.count - 1)) / answers.count
        if session.interactive, answers.count > 1, column >= 28 {
            let cells = answers.map { a in [a.label, stats(a.result)] + TextWrap.wrap(a.result.text, width: column) }
            let rows = cells.map(\.count).max() ?? 0
            for i in 0..<rows {
                let parts = cells.map { c -> String in
                    let s = i < c.count ? c[i] : ""
                    return s + String(repeating: " ", count: max(0, column - DisplayWidth.of(s)))
                }
                var line = parts.joined(separator: String(repeating: " ", count: gap))
                while line.last == " " { line.removeLast() }
                session.out.print(line)
            }
            return
        }
        for a in answers {
            session.out.print("\(a.label) (\(stats(a.result))):")
            session.out.print(lines: TextWrap.wrap(a.result.text, width: max(20, width - 2), indent: "  "))
        }
    }
}
