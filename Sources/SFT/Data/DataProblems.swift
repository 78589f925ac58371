// What a dataset check finds: one DataProblem per fault with file, line (row for tables) and a hint, and
// a DataReport that counts them per kind, says how many records were loaded and dropped and why, and
// gives a summary table (kind, count, first places) the shell prints. Checking itself is in DataChecks.swift.

public enum ProblemKind: String, CaseIterable, Sendable, Comparable {
    case badJSON = "bad JSON"
    case invalidUTF8 = "invalid UTF-8"
    case bom = "byte order mark"
    case unknownSchema = "unknown record shape"
    case otherFormat = "record in another format"
    case missingField = "missing field"
    case wrongType = "wrong type"
    case unknownRole = "unknown role"
    case systemNotFirst = "system not first"
    case twoSystems = "two system messages"
    case notAlternating = "turns do not alternate"
    case noAssistant = "no assistant reply"
    case endsWithUser = "ends with user"
    case emptyContent = "empty content"
    case badRow = "bad row"
    case unterminatedQuote = "unterminated quote"
    case duplicate = "duplicate sample"
    case tooLong = "longer than context"
    case cutOff = "trained tokens cut by max-seq-len"
    case nothingTrained = "nothing to train"
    case placeholder = "placeholder left in text"

    /// Warnings are reported but the record is kept (the BOM is skipped, duplicates and long samples stay
    /// until `dedup`/`filter`); everything else drops the record.
    public var isWarning: Bool { [.bom, .duplicate, .tooLong, .cutOff, .nothingTrained, .placeholder].contains(self) }

    public static func < (a: ProblemKind, b: ProblemKind) -> Bool {
        let all = ProblemKind.allCases
        return (all.firstIndex(of: a) ?? 0) < (all.firstIndex(of: b) ?? 0)
    }
}

public struct DataProblem: Equatable, Sendable {
    public var kind: ProblemKind
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String
    public var hint: String?

    public init(_ kind: ProblemKind, file: String, line: Int?, column: Int? = nil, _ message: String, hint: String? = nil) {
        self.kind = kind; self.file = file; self.line = line; self.column = column
        self.message = message; self.hint = hint
    }

    /// "file:line:" or "file:line:column:" (column only for JSON syntax errors).
    public var place: String {
        guard let line else { return file }
        return column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
    }

    public var error: SFTError {
        SFTError(column.map { "column \($0): \(message)" } ?? message, hint: hint, file: file, line: line)
    }

    /// `path:line: message` (warnings say so), as the shell prints it.
    public var description: String { "\(place): \(kind.isWarning ? "warning: " : "")\(message)" }
}

/// One line of the summary table.
public struct ProblemSummary: Equatable, Sendable {
    public var kind: ProblemKind
    public var isWarning: Bool
    public var count: Int
    /// Up to `DataReport.placesShown` places ("file:line"), in file order.
    public var places: [String]
}

public struct DataReport: Equatable, Sendable {
    public var file: String
    public var format: DataFormat?
    /// Records seen (lines, array elements or table rows after the header).
    public var records = 0
    public var loaded = 0
    public var dropped = 0
    /// Per kind, the number of records dropped because of it (a record counts once, under its first error).
    public var droppedBy: [ProblemKind: Int] = [:]
    public var counts: [ProblemKind: Int] = [:]
    /// The problems themselves, in file order, capped at `maxStored` (counts stay exact).
    public var problems: [DataProblem] = []

    public static let maxStored = 10_000
    public static let placesShown = 3

    public init(file: String) { self.file = file }

    public mutating func add(_ p: DataProblem) {
        counts[p.kind, default: 0] += 1
        if problems.count < Self.maxStored { problems.append(p) }
    }

    public var errorCount: Int { counts.filter { !$0.key.isWarning }.values.reduce(0, +) }
    public var warningCount: Int { counts.filter { $0.key.isWarning }.values.reduce(0, +) }
    public var isClean: Bool { counts.isEmpty }

    public var summary: [ProblemSummary] {
        counts.keys.sorted().map { k in
            ProblemSummary(kind: k, isWarning: k.isWarning, count: counts[k] ?? 0,
                           places: Array(problems.lazy.filter { $0.kind == k }.prefix(Self.placesShown).map { $0.place }))
        }
    }

    /// "loaded 18 of 20 records; dropped 2 (1 bad JSON, 1 empty content)".
    public var headline: String {
        var s = "loaded \(loaded) of \(Format.count(records, "record"))"
        if dropped > 0 {
            let why = droppedBy.keys.sorted().map { "\(droppedBy[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            s += "; dropped \(dropped) (\(why))"
        }
        if warningCount > 0 { s += "; \(warningCount) warning\(warningCount == 1 ? "" : "s")" }
        return s
    }
}
