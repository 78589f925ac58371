// `status`: the session at a glance (model, datasets, adapters, checkpoints, seed, key settings) on stdout;
// machine-dependent figures (memory, uptime) on stderr so transcripts stay deterministic.
import ArgumentParser
import Foundation
import SFT

struct StatusCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what is loaded and the key settings at a glance (--all adds the math libraries).")

    @Flag(help: "Also show the math libraries: OpenBLAS core and threads, the matrix-product engine and precision.")
    var all = false

    mutating func run(session: Session) throws {
        session.out.print(lines: StatusReport.lines(session))
        session.out.note(StatusReport.machineLine(session, libraries: all))
        if all { session.out.note(StatusReport.engineLine()) }
    }
}

/// The text of `status`, one function per part so each owner can change its own lines.
public enum StatusReport {
    public static func lines(_ session: Session) -> [String] {
        var t = Table([Table.Column("what"), Table.Column("state")], showHeader: false)
        for (k, v) in modelLines(session) + loadedLines(session) + serveLines(session) + settingsLines(session) { t.add([k, v]) }
        return t.render()
    }

    /// The active model in one line.
    public static func modelLines(_ session: Session) -> [(String, String)] {
        guard let m = session.model else { return [("model", "none loaded (model load default | PATH)")] }
        var lines = [("model", "\(m.name): \(ModelInfo.summary(m))")]
        if let q = session.repoState.int8 {   // only while on, so transcripts without `quantize` do not change
            let merged = m.transformer.lora?.enabled == true ? ", adapter merged" : ""
            lines.append(("int8", "on, \(Format.size(q.bytes))\(merged): ask, chat and serve answer with it"))
        }
        return lines
    }

    /// Datasets, adapters and checkpoints (placeholders until those land in Session).
    /// Datasets with their sizes, the adapters, the training run and its checkpoints.
    public static func loadedLines(_ session: Session) -> [(String, String)] {
        let data = session.datasetNames.compactMap { n in session.datasets[n].map { "\(n) (\($0.count))" } }
        var adapters = "none"
        if let lora = session.model?.transformer.lora {
            let c = lora.config
            adapters = "LoRA r=\(c.rank) on \(c.targets.map(\.rawValue).joined(separator: ",")), \(lora.enabled ? "on" : "off")"
            if let origin = session.repoState.adapterOrigin { adapters += ", from repo:\(origin)" }
        }
        var training = "none", checkpoints = "none"
        if let r = session.run {
            let t = r.trainer
            training = "\(t.mode.rawValue) on '\(t.dataName ?? "?")', step \(t.position.step) of \(t.totalSteps)"
            if !r.undoPoints.isEmpty { training += ", \(r.undoPoints.count) undoable" }
            if !r.checkpoints.isEmpty { checkpoints = "\(r.checkpoints.count) (steps \(r.checkpoints.map { String($0.step) }.joined(separator: ", ")))" }
        }
        return [("datasets", data.isEmpty ? "none" : data.joined(separator: ", ")), ("adapters", adapters),
                ("training run", training), ("checkpoints", checkpoints)]
    }

    /// The server, only while one runs (so transcripts without `serve` do not change).
    public static func serveLines(_ session: Session) -> [(String, String)] {
        guard let s = session.serving.server else { return [] }
        let st = s.stats
        return [("serve", "\(s.address)/v1, \(st.served) request\(st.served == 1 ? "" : "s") served, \(st.queued + (st.busy ? 1 : 0)) in progress or waiting")]
    }

    public static func settingsLines(_ session: Session) -> [(String, String)] {
        let s = session.settings
        let train = "lr \(show(s.value("learning-rate")!)), batch \(s.int("batch-size")) x accum \(s.int("grad-accum")), "
            + "epochs \(s.int("epochs")), max-seq-len \(s.int("max-seq-len"))"
        let lora = "rank \(s.int("lora-rank")), alpha \(show(s.value("lora-alpha")!)), targets \(s.list("lora-targets").joined(separator: ","))"
        let gen = "temperature \(show(s.value("temperature")!)), top-p \(show(s.value("top-p")!)), max-tokens \(s.int("max-tokens"))"
        return [("seed", String(s.int("seed"))), ("training", train), ("lora", lora), ("generation", gen)]
    }

    /// `memory 45.2 MiB RSS, up 3.1 s` for stderr; with `libraries`, `, OpenBLAS SkylakeX x2 (thread timeout 16)`.
    public static func machineLine(_ session: Session, libraries: Bool = true) -> String {
        let rss = residentBytes().map { Format.size($0) + " RSS" } ?? "RSS unknown"
        let line = "memory \(rss), up \(ProgressBar.seconds(Date().timeIntervalSince(session.startTime)))"
        guard libraries else { return line }
        let timeout = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"] ?? "default"
        return line + ", OpenBLAS \(blasCoreName()) x\(blasThreads()) (thread timeout \(timeout))"
    }

    /// `matrix products: oneDNN 2.6 avx512_core_bf16 for large ones (bf16 operands, fp32 accumulation), ...` for
    /// stderr: the engine and the precision `precision auto` resolved to differ between machines.
    public static func engineLine() -> String { MatMul.describe() }

    /// Resident set size from /proc/self/statm (pages), nil where unreadable.
    public static func residentBytes() -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let parts = s.split(separator: " ")
        guard parts.count > 1, let pages = Int(parts[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
