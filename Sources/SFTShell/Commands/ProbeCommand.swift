// `probe add [--system T] PROMPT`, `probe add --from NAME N`, `probe list`, `probe rm N|all`, and `probe` alone
// (answer every probe now). Probes are answered greedily after every `train` and at each checkpoint; a new probe
// remembers the base model's answer (adapters off, or a full run's weights from before training).
import ArgumentParser
import Foundation
import SFT

struct ProbeCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Prompts answered after every train: probe add|list|rm; `probe` alone asks them now.",
        subcommands: [ProbeAdd.self, ProbeList.self, ProbeRemove.self])

    mutating func run(session: Session) throws {
        let model = try session.requireModel()
        guard !session.probes.isEmpty else { throw SFTError("there are no probes", hint: "`probe add PROMPT` adds one; `probe add --from NAME N` takes a sample") }
        try TrainReport.showProbes(session, model, session.run)
    }
}

struct ProbeAdd: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a probe: a prompt, or a dataset sample's question with its answer as reference.")

    @Option(help: "System prompt for this probe.") var system: String?
    @Option(help: "Take the probe from a dataset sample: NAME (with the sample number after it).") var from: String?
    @Argument(help: "The prompt, or with --from the sample number.") var words: [String] = []

    mutating func run(session: Session) throws {
        let model = try session.requireModel()
        var probe: Probe
        if let from {
            guard let d = session.datasets[from] else { throw session.unknownDataset(from) }
            guard words.count == 1, let k = Int(words[0]) else {
                throw SFTError("probe add --from \(from) needs a sample number", hint: "e.g. `probe add --from \(from) 1`; `data show \(from) 1` shows it")
            }
            guard k >= 1, k <= d.count else {
                throw SFTError("'\(from)' has samples 1 to \(d.count), not \(k)", hint: "`data show \(from) 1` shows the first")
            }
            probe = try Probe.from(d.conversations[k - 1], source: "\(from) #\(k)")
            if let system { probe.messages = [Message(.system, system)] + probe.messages.filter { $0.role != .system } }
        } else {
            guard !words.isEmpty else { throw SFTError("probe add needs a prompt", hint: "probe add \"who are you?\"") }
            probe = Probe(messages: (system.map { [Message(.system, $0)] } ?? []) + [Message(.user, words.joined(separator: " "))])
        }
        let base: String = try session.run.map { r in try r.withBase { try ProbeSet.answer(model, probe.messages).text } }
            ?? model.transformer.withAdaptersOff { try ProbeSet.answer(model, probe.messages).text }
        probe.baseAnswer = base
        probe.lastAnswer = try ProbeSet.answer(model, probe.messages).text
        session.probes.probes.append(probe)
        let n = session.probes.probes.count
        session.out.print("probe \(n): \(TrainSupport.oneLine(probe.prompt))" + (probe.source.map { " (from \($0))" } ?? ""))
        session.out.print("  base: \(base)")
        if probe.lastAnswer != base { session.out.print("  now:  \(probe.lastAnswer ?? "")") }
        if let r = probe.reference { session.out.print("  ref:  \(TrainSupport.oneLine(r))") }
    }
}

struct ProbeList: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the probes with their last answers.")

    mutating func run(session: Session) throws {
        guard !session.probes.isEmpty else { return session.out.print("no probes (`probe add PROMPT` adds one)") }
        var t = Table([Table.Column("#", right: true), Table.Column("prompt", maxWidth: 34), Table.Column("from"), Table.Column("last answer", maxWidth: 40)])
        for (i, p) in session.probes.probes.enumerated() {
            t.add(["\(i + 1)", TrainSupport.oneLine(p.prompt), p.source ?? "-", p.lastAnswer.map { TrainSupport.preview($0, 40) } ?? "-"])
        }
        session.out.print(lines: t.render())
    }
}

struct ProbeRemove: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove probe N, or all.")

    @Argument(help: "Probe number, or `all`.") var which: String

    mutating func run(session: Session) throws {
        if which == "all" {
            let n = session.probes.probes.count
            try session.probes.remove(nil)
            return session.out.print("removed \(Plural.count(n, "probe"))")
        }
        guard let n = Int(which) else { throw SFTError("probe rm takes a number or `all`, got '\(which)'", hint: "`probe list` numbers them") }
        try session.probes.remove(n)
        session.out.print("removed probe \(n); \(Plural.count(session.probes.probes.count, "probe")) left")
    }
}
