// Question/answer tables (CSV rows or the first .xlsx sheet) -> Conversations: finds the question, answer
// and optional system columns in the header row (names configurable; common English and Chinese names
// detected), then turns each row into [system?, user, assistant]. The Qianfan export is this shape.
import Foundation

public struct TableColumns: Equatable, Sendable {
    public var question: Int
    public var answer: Int
    public var system: Int?
}

public enum DataTable {
    public static let questionNames = ["question", "问题", "提问", "prompt", "instruction", "query", "input", "user", "q", "问"]
    public static let answerNames = ["answer", "回答", "答案", "response", "output", "completion", "assistant", "reply", "a", "答"]
    public static let systemNames = ["system", "system_prompt", "系统", "系统提示", "人设"]

    static func norm(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    /// Finds columns in `header`. Explicit names win; otherwise the first name in each list that appears.
    /// Returns nil when the question or answer column cannot be found.
    public static func columns(in header: [String], question: String? = nil, answer: String? = nil,
                               system: String? = nil) -> TableColumns? {
        let h = header.map(norm)
        func find(_ explicit: String?, _ names: [String]) -> Int? {
            if let explicit { return h.firstIndex(of: norm(explicit)) }
            for n in names { if let i = h.firstIndex(of: n) { return i } }
            return nil
        }
        guard let q = find(question, questionNames), let a = find(answer, answerNames), q != a else { return nil }
        let s = find(system, systemNames)
        return TableColumns(question: q, answer: a, system: s == q || s == a ? nil : s)
    }

    /// Converts rows (the first is the header) into conversations; bad rows go to `report`.
    /// Rows whose line is in `badLines` (invalid UTF-8) are dropped.
    static func conversations(_ rows: [TableRow], file: String, options: DataLoadOptions, badLines: Set<Int> = [],
                              report: inout DataReport) throws -> [Conversation] {
        guard let header = rows.first else {
            throw SFTError("no rows in the table", hint: "the first row names the columns, e.g. question,answer or 问题,回答", file: file)
        }
        var start = 1
        var cols = columns(in: header.cells, question: options.questionColumn, answer: options.answerColumn,
                           system: options.systemColumn)
        if cols == nil {
            if options.questionColumn != nil || options.answerColumn != nil {
                throw SFTError("column \(options.questionColumn ?? options.answerColumn ?? "") not in the header (\(header.cells.joined(separator: ", ")))",
                               hint: "name the columns exactly as in the first row", file: file, line: header.row)
            }
            guard header.cells.count == 2 else {
                throw SFTError("cannot find question and answer columns in the header (\(header.cells.prefix(8).joined(separator: ", ")))",
                               hint: "name them question/answer (or 问题/回答, prompt/response), or pass question: and answer: column names",
                               file: file, line: header.row)
            }
            // Two unnamed columns: take them as question, answer with no header.
            cols = TableColumns(question: 0, answer: 1, system: nil)
            start = 0
        }
        guard let c = cols else { return [] }
        var out: [Conversation] = []
        for r in rows[start...] {
            report.records += 1
            var ctx = RecordContext(file: file, line: r.row)
            if badLines.contains(r.row) {
                ctx.add(.invalidUTF8, "invalid UTF-8 bytes in this row")
            } else if r.cells.count < 2 && !(r.cells.first ?? "").isBlankText {
                ctx.add(.badRow, "row has \(r.cells.count) column\(r.cells.count == 1 ? "" : "s"), expected at least 2",
                        hint: "quote fields that contain the delimiter")
            } else {
                let q = c.question < r.cells.count ? r.cells[c.question] : ""
                let a = c.answer < r.cells.count ? r.cells[c.answer] : ""
                let s = c.system.flatMap { $0 < r.cells.count ? r.cells[$0] : nil } ?? ""
                if q.isBlankText && a.isBlankText { report.records -= 1; continue }  // blank row
                if q.isBlankText { ctx.add(.emptyContent, "the question is empty") }
                else if a.isBlankText { ctx.add(.emptyContent, "the answer is empty") }
                else {
                    var m = [Message(.user, q), Message(.assistant, a)]
                    if !s.isBlankText { m.insert(Message(.system, s), at: 0) }
                    out.append(Conversation(m, source: file, line: r.row))
                    continue
                }
            }
            DataLoader.drop(ctx.problems, &report)
        }
        return out
    }
}
