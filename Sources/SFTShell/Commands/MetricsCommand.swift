// `metrics`: the run's train loss (and validation loss, when evaluated) as terminal line charts, plus a short
// summary; `metrics --svg FILE` writes both curves as a standalone SVG plot (atomically).
import ArgumentParser
import Foundation
import SFT

struct MetricsCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Loss curves of the training run as a chart; --svg FILE writes a plot.")

    @Option(help: "Write the loss plot as SVG to this file.") var svg: String?

    mutating func run(session: Session) throws {
        guard let t = session.trainer, !t.metrics.steps.isEmpty else {
            throw SFTError("nothing measured yet", hint: "`train N` first")
        }
        let m = t.metrics
        if let svg {
            let file = try MetricsCommand.svgFile(svg)
            let title = "\(t.mode == .lora ? "LoRA" : "full") on \(t.dataName ?? "data"): \(Format.count(m.steps.count, "step"))"
            try AtomicFile.write(SVGPlot.lossPlot(m, title: title), to: URL(fileURLWithPath: file))
            return session.out.print("wrote \(file)" + (file == svg ? "" : " (an SVG plot, so the name ends in .svg)"))
        }
        let good = m.steps.filter { !$0.skipped }
        session.out.print("train loss, " + (m.steps.count == 1 ? "step 1" : "steps \(Format.range(1, m.steps.count))"))
        session.out.print(lines: LineChart.render(good.map(\.loss), width: 60, height: 10))
        if m.evals.count >= 2 {
            session.out.print("valid loss at \(Plural.count(m.evals.count, "evaluation"))")
            session.out.print(lines: LineChart.render(m.evals.map(\.loss), width: 60, height: 6, xLabel: "eval"))
        }
        var summary = "steps \(m.steps.count)"
        if let f = good.first, let l = good.last { summary += "  loss \(TrainSupport.fmt(f.loss)) -> \(TrainSupport.fmt(l.loss))" }
        let skipped = m.steps.count - good.count
        if skipped > 0 { summary += "  skipped \(skipped)" }
        if let e = m.evals.last { summary += "  valid \(TrainSupport.fmt(e.loss)) (ppl \(TrainSupport.fmt(e.perplexity, 2))) at step \(e.step)" }
        session.out.print(summary)
    }

    /// The file `--svg` writes: the name as given when it ends in .svg, with .svg added when it has no
    /// extension; another extension is refused (the file would be SVG under a PNG or PDF name).
    static func svgFile(_ name: String) throws -> String {
        let ext = (name as NSString).pathExtension
        if ext.lowercased() == "svg" { return name }
        if ext.isEmpty { return name.hasSuffix("/") ? name + "loss.svg" : name + ".svg" }
        throw SFTError("metrics --svg writes an SVG plot, not .\(ext)",
                       hint: "name the file \((name as NSString).deletingPathExtension).svg (a browser shows it; rsvg-convert makes a PNG)")
    }
}
