// How the `data` commands draw things, as public functions of plain values so tests call them directly:
// a conversation as a chat (role labels, text wrapped by display width), a rendered chat template token by
// token with the trained (loss) tokens marked, a length histogram as bars, and a check's problem table.
// Not here: reading datasets or the session (DataCommand.swift and friends do that).
import Foundation
import SFT

public enum DataView {
    /// The legend printed under a token view; also in `help data show`.
    public static let tokenLegend =
        "| separates tokens, [[ ]] encloses trained tokens (loss is computed on them), ↵ is a newline, → a tab"
    public static let tokenLegendColour =
        "| separates tokens; trained tokens (loss is computed on them) are green, the rest dim; ↵ is a newline"

    /// A conversation as a chat: a `role:` label line per message, its content wrapped to `width` columns
    /// and indented two spaces (Chinese wraps between characters).
    public static func chat(_ c: Conversation, width: Int = 80, colour: Bool = false) -> [String] {
        var out: [String] = []
        for m in c.messages {
            let label = m.role.rawValue + ":"
            out.append(colour ? (m.role == .assistant ? Colour.green(label) : Colour.cyan(label)) : label)
            if !m.content.isEmpty { out += TextWrap.wrap(m.content.replacingOccurrences(of: "\t", with: "    "), width: width, indent: "  ") }
            for call in m.toolCalls ?? [] { out += TextWrap.wrap("→ \(call.name)(\(call.arguments))", width: width, indent: "  ") }
            if !m.trained && m.role == .assistant { out.append("  (weight 0: shown to the model, not trained)") }
        }
        if let tools = c.tools, !tools.isEmpty { out.append("tools: \(tools.count) function definition\(tools.count == 1 ? "" : "s")") }
        return out
    }

    /// The text a token shows as: newlines as ↵, tabs as →, carriage returns as ␍ (so a token is one visible run).
    public static func visible(_ piece: String) -> String {
        var s = ""
        for c in piece {
            switch c {
            case "\n": s += "↵"
            case "\t": s += "→"
            case "\r", "\r\n": s += "␍"
            default: s.append(c)
            }
        }
        return s
    }

    /// A rendered chat template as text, token by token: tokens on one line are separated by `|`; a line
    /// ends after each token holding a newline (so the template's structure shows), or when the next token
    /// would pass `width` columns. Plain: a run of trained tokens is enclosed in `[[` `]]`. Colour: trained
    /// tokens green and the others dim, no brackets.
    public static func tokens(_ r: RenderedChat, decode: (Int32) -> String, width: Int = 100,
                              colour: Bool = false) -> [String] {
        var lines: [String] = []
        var line = "", used = 0
        func emit(_ s: String) { line += s; used += DisplayWidth.of(s) }
        func endLine() { lines.append(line); line = ""; used = 0 }
        for i in r.tokens.indices {
            let piece = decode(r.tokens[i])
            let text = visible(piece)
            let trained = r.trained[i]
            let open = !colour && trained && (i == 0 || !r.trained[i - 1]) ? "[[" : ""
            let close = !colour && trained && (i == r.tokens.count - 1 || !r.trained[i + 1]) ? "]]" : ""
            let cost = (used > 0 ? 1 : 0) + DisplayWidth.of(open + text + close)
            if used > 0 && used + cost > width { endLine() }
            if used > 0 { emit(colour ? Colour.dim("|") : "|") }
            emit(open)
            emit(colour ? (trained ? Colour.green(text) : Colour.dim(text)) : text)
            emit(close)
            if piece.contains("\n") { endLine() }
        }
        if used > 0 { endLine() }
        return lines
    }

    /// One line under a token view: `41 tokens, 12 trained (29.3%)`.
    public static func tokenSummary(_ r: RenderedChat, contextLength: Int?) -> String {
        let n = r.tokens.count, t = r.trainedCount
        var s = "\(Plural.count(n, "token")), \(t) trained (\(percent(n == 0 ? 0 : Double(t) / Double(n))))"
        if let contextLength, n > contextLength { s += "; longer than the context of \(contextLength): training cuts it" }
        return s
    }

    /// A length histogram: one row per bin, `lower-upper  ####  count`.
    public static func histogram(_ bins: [LengthBin], barWidth: Int = 40) -> [String] {
        histogram(bins.map { (label: "\($0.lower)-\($0.upper - 1)", count: $0.count) }, barWidth: barWidth)
    }

    /// Labelled bars, `label  ####  count`, scaled so the largest count is `barWidth` long (a non-zero count
    /// gets at least one #).
    public static func histogram(_ rows: [(label: String, count: Int)], barWidth: Int = 40) -> [String] {
        let top = rows.map(\.count).max() ?? 0
        var t = Table([Table.Column("", right: true), Table.Column(""), Table.Column("", right: true)], showHeader: false)
        for r in rows {
            let len = top == 0 ? 0 : Int((Double(r.count) / Double(top) * Double(barWidth)).rounded(.up))
            t.add([r.label, String(repeating: "#", count: len), String(r.count)])
        }
        return t.render().map { "  " + $0 }
    }

    /// The problem summary: kind (warnings marked), count, and the first places: line numbers when every place
    /// is in the report's one file (the path is said once, on the `first:` line), else file:line.
    public static func problemTable(_ report: DataReport) -> [String] {
        let summary = report.summary
        let prefix = report.file + ":"
        let oneFile = summary.allSatisfy { $0.places.allSatisfy { $0.hasPrefix(prefix) } }
        var t = Table([Table.Column("problem"), Table.Column("count", right: true), Table.Column(oneFile ? "first lines" : "first places")])
        for s in summary {
            let places = oneFile ? s.places.map { String($0.dropFirst(prefix.count)) } : s.places
            t.add([s.kind.rawValue + (s.isWarning ? " (warning)" : ""), String(s.count), places.joined(separator: ", ")])
        }
        return t.render()
    }

    /// A find snippet with its match marked: bold yellow on a terminal, «…» in plain text.
    public static func highlight(_ snippet: String, _ match: Range<String.Index>, colour: Bool) -> String {
        let hit = String(snippet[match])
        return String(snippet[..<match.lowerBound]) + (colour ? Colour.bold(Colour.yellow(hit)) : "«" + hit + "»") + String(snippet[match.upperBound...])
    }

    /// The worst samples by score: rank, sample number, perplexity, IFD, trained tokens, place, and the start of
    /// the first user message (or the text) cut to fit `width`.
    public static func scoreTable(_ d: Dataset, order: [Int], width: Int = 80) -> [String] {
        var t = Table([Table.Column("#", right: true), Table.Column("ppl", right: true), Table.Column("ifd", right: true),
                       Table.Column("tokens", right: true), Table.Column("where"), Table.Column("text")])
        var rows: [[String]] = []
        for i in order {
            let c = d.conversations[i], s = d.scores?[i]
            let place = c.line.map { "\(URL(fileURLWithPath: c.source ?? d.name).lastPathComponent):\($0)" } ?? "\(d.name) #\(i + 1)"
            let text = (c.turns.first { $0.role == .user } ?? c.messages[0]).content.replacingOccurrences(of: "\n", with: " ")
            rows.append([String(i + 1), s.map { String(format: "%.2f", $0.perplexity) } ?? "-",
                         s?.ifd.map { String(format: "%.2f", $0) } ?? "-", s.map { String($0.tokens) } ?? "-", place, text])
        }
        // The text column gets what the others leave of the width.
        let fixed = (0..<5).map { k in max(k == 4 ? 5 : 3, rows.map { DisplayWidth.of($0[k]) }.max() ?? 0) + 2 }.reduce(0, +)
        let room = max(10, width - fixed - 1)
        for var r in rows {
            if DisplayWidth.of(r[5]) > room {
                var cut = "", used = 0
                for ch in r[5] { let w = DisplayWidth.of(ch); if used + w > room - 1 { break }; cut.append(ch); used += w }
                r[5] = cut + "…"
            }
            t.add(r)
        }
        return t.render()
    }

    /// The scores' distribution for `data stats`: perplexity and IFD quartiles, and how many have IFD > 1.
    public static func scoreSummary(_ scores: [SampleScore]) -> [String] {
        func quartiles(_ v: [Double]) -> String {
            let s = v.filter(\.isFinite).sorted()
            guard !s.isEmpty else { return "-" }
            func q(_ p: Double) -> Double { s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded()))] }
            return String(format: "min %.2f, median %.2f, 90%% %.2f, max %.2f", s[0], q(0.5), q(0.9), s[s.count - 1])
        }
        var out = ["perplexity: " + quartiles(scores.map(\.perplexity))]
        let ifd = scores.compactMap(\.ifd)
        if !ifd.isEmpty {
            let above = ifd.filter { $0 > 1 }.count
            out.append("IFD: " + quartiles(ifd) + "; \(above) above 1 (the reply does not follow from the instruction)")
        }
        return out
    }

    /// `12.5%`.
    public static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }

    /// Columns to wrap to: the terminal's width when stdout is a TTY, else 80 (transcripts stay stable).
    public static func terminalWidth() -> Int { Terminal.width() }
}
