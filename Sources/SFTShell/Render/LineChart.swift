// A small terminal line chart for loss curves: values bucketed into `width` columns (mean per bucket), drawn as
// `*` on a `height`-row grid with the y range on the left and the x range under it. Plain ASCII, deterministic,
// so a chart can sit in a golden transcript.
import Foundation

public enum LineChart {
    /// Lines of the chart; empty input gives one line saying so.
    public static func render(_ values: [Double], width: Int = 60, height: Int = 10,
                              xLabel: String = "step") -> [String] {
        let finite = values.filter { $0.isFinite }
        guard !finite.isEmpty, width > 0, height > 1 else { return ["(no data)"] }
        let cols = min(width, values.count)
        var buckets = [Double](repeating: .nan, count: cols)
        for c in 0..<cols {
            let lo = c * values.count / cols, hi = max(lo + 1, (c + 1) * values.count / cols)
            let slice = values[lo..<hi].filter { $0.isFinite }
            if !slice.isEmpty { buckets[c] = slice.reduce(0, +) / Double(slice.count) }
        }
        let bmin = buckets.filter { $0.isFinite }.min() ?? 0, bmax = buckets.filter { $0.isFinite }.max() ?? 0
        let span = bmax - bmin
        var grid = [[Character]](repeating: [Character](repeating: " ", count: cols), count: height)
        for (c, v) in buckets.enumerated() where v.isFinite {
            let r = span > 0 ? Int(((bmax - v) / span * Double(height - 1)).rounded()) : height / 2
            grid[r][c] = "*"
        }
        let top = format(bmax), bottom = format(bmin)
        let labelWidth = max(top.count, bottom.count)
        var out: [String] = []
        for (r, row) in grid.enumerated() {
            let label = r == 0 ? top : (r == height - 1 ? bottom : "")
            let text = String(repeating: " ", count: labelWidth - label.count) + label + " |" + String(row)
            out.append(text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
        out.append(String(repeating: " ", count: labelWidth) + " +" + String(repeating: "-", count: cols))
        let last = "\(values.count)"
        let pad = max(1, cols - 1 - last.count)
        out.append(String(repeating: " ", count: labelWidth + 2) + "1" + String(repeating: " ", count: pad) + last
                   + "  (\(xLabel))")
        return out
    }

    static func format(_ v: Double) -> String {
        abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? String(format: "%.2e", v) : String(format: "%.3f", v)
    }
}
