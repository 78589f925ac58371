// What a training run has measured, step by step: train loss, learning rate, grad norm, tokens/s, and
// validation loss at eval points. `metrics` prints it as a chart and `metrics --svg FILE` writes a plot.
import Foundation

public struct StepRecord: Codable, Equatable, Sendable {
    public var step: Int            // optimizer step, 1-based
    public var loss: Double
    public var lr: Double
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var skipped: Bool        // non-finite loss or gradients: the update was not applied
}

public struct EvalRecord: Codable, Equatable, Sendable {
    public var step: Int
    public var loss: Double
    public var perplexity: Double { exp(loss) }
}

public struct MetricsLog: Codable, Equatable, Sendable {
    public var steps: [StepRecord] = []
    public var evals: [EvalRecord] = []
    public init() {}

    /// Train loss smoothed over `window` steps (the raw loss of small batches is noisy).
    public func smoothedLoss(window: Int = 5) -> [Double] {
        let good = steps.filter { !$0.skipped }.map(\.loss)
        return good.indices.map { i in
            let lo = max(0, i - window + 1)
            return good[lo...i].reduce(0, +) / Double(i - lo + 1)
        }
    }
}

/// A standalone SVG line plot of train and validation loss against step. No dependencies, deterministic text.
public enum SVGPlot {
    public static func lossPlot(_ log: MetricsLog, title: String) -> String {
        let w = 720.0, h = 360.0, left = 60.0, right = 20.0, top = 36.0, bottom = 40.0
        let train = log.steps.filter { !$0.skipped }.map { (Double($0.step), $0.loss) }
        let valid = log.evals.map { (Double($0.step), $0.loss) }
        let all = train + valid
        let maxX = max(1, all.map(\.0).max() ?? 1)
        let ys = all.map(\.1)
        var lo = ys.min() ?? 0, hi = ys.max() ?? 1
        if hi - lo < 1e-9 { lo -= 0.5; hi += 0.5 }
        func px(_ x: Double) -> Double { left + (w - left - right) * x / maxX }
        func py(_ y: Double) -> Double { top + (h - top - bottom) * (1 - (y - lo) / (hi - lo)) }
        func path(_ pts: [(Double, Double)]) -> String {
            pts.enumerated().map { i, p in String(format: "%@%.1f,%.1f", i == 0 ? "M" : " L", px(p.0), py(p.1)) }.joined()
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(Int(left))\" y=\"20\" font-size=\"14\">\(escape(title))</text>\n"
        s += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", left, h - bottom, w - right, h - bottom)
        s += String(format: "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", left, top, left, h - bottom)
        for i in 0...4 {
            let y = lo + (hi - lo) * Double(i) / 4
            s += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", left - 6, py(y) + 4, y)
            s += String(format: "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, py(y), w - right, py(y))
        }
        s += String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">step %d</text>\n", w - right, h - 10, Int(maxX))
        if !train.isEmpty { s += "<path d=\"\(path(train))\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>\n" }
        // A single step is a path with no length, which draws nothing: mark it.
        if train.count == 1, let p = train.first {
            s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#1f77b4\"/>\n", px(p.0), py(p.1))
        }
        if !valid.isEmpty {
            s += "<path d=\"\(path(valid))\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>\n"
            for p in valid { s += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d62728\"/>\n", px(p.0), py(p.1)) }
        }
        // The legend names only the series drawn.
        if !train.isEmpty { s += "<text x=\"\(Int(w - 200))\" y=\"20\" fill=\"#1f77b4\">train loss</text>\n" }
        if !valid.isEmpty { s += "<text x=\"\(Int(w - 110))\" y=\"20\" fill=\"#d62728\">valid loss</text>\n" }
        s += "</svg>\n"
        return s
    }

    private static func escape(_ t: String) -> String {
        t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
