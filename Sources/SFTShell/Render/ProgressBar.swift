// A progress bar on stderr for long commands (training, loading, `wait`). Nothing is drawn for the first
// second; after that a TTY shows `label [#####.....] 40% 4/10 unit  1.2 s, ETA 1.8 s` redrawn at most ten times
// a second. A non-TTY stderr (logs, pipes) gets no bar, only one summary line at the end, and only when the work
// took over a second. stdout is never touched, so transcripts stay deterministic.
import Foundation

public final class ProgressBar {
    public let label: String
    public let total: Double
    public let unit: String
    private let isTTY: Bool
    private let start: Date
    private var lastDraw: Date = .distantPast
    private var drawn = false
    private var done = 0.0
    private let width: Int
    /// False leaves `4/10 unit` out of the line, for callers that print their own count (`train` shows
    /// `step 6/30`, the run's steps, so the bar and the step lines never count two ways).
    public var showsCount = true

    /// `total` in any unit (steps, bytes, seconds); `unit` names it in the bar ("steps", "s", "MB").
    public init(_ label: String, total: Double, unit: String = "", width: Int = 30,
                isTTY: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label; self.total = max(total, 1e-9); self.unit = unit
        self.isTTY = isTTY; self.width = width; self.start = Date()
    }

    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// Records progress; redraws the TTY bar when over a second has passed and the last draw is 0.1 s old.
    public func update(_ done: Double) {
        self.done = min(max(done, 0), total)
        guard isTTY, elapsed >= 1 else { return }
        let now = Date()
        if now.timeIntervalSince(lastDraw) < 0.1 { return }
        lastDraw = now
        write("\r\u{1B}[K" + line())
        drawn = true
    }

    /// Clears the bar; prints `label: summary (1.2 s)` when the work took over a second.
    public func finish(_ summary: String = "done") {
        if drawn { write("\r\u{1B}[K") }
        if elapsed >= 1 { write("\(label): \(summary) (\(ProgressBar.seconds(elapsed)))\n") }
    }

    /// The bar text (no escapes), public for tests.
    public func line() -> String {
        let frac = done / total
        let filled = Int((frac * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var s = "\(label) [\(bar)] \(Int((frac * 100).rounded(.down)))%"
        if showsCount {
            s += " \(ProgressBar.number(done))/\(ProgressBar.number(total))"
            if !unit.isEmpty { s += " \(unit)" }
        }
        s += "  \(ProgressBar.seconds(elapsed))"
        if frac > 0 && frac < 1 { s += ", ETA \(ProgressBar.seconds(elapsed * (1 - frac) / frac))" }
        return s
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%.1f", x)
    }

    /// `0.4 s`, `12.3 s`, `3m05s`, `1h02m`.
    public static func seconds(_ s: Double) -> String {
        if s < 60 { return String(format: "%.1f s", s) }
        let t = Int(s.rounded())
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
