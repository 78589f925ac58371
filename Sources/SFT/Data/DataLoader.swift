// Loads a dataset file into a Dataset: picks the container (JSONL, JSON array, CSV/TSV, .xlsx) from the
// bytes and extension, streams JSONL in chunks line by line (never the whole text at once), converts each
// record with DataRecords/DataTable, decides the JSON schema by majority over the whole file (unless
// `format:` is given), and checks duplicates and length. Good samples load; bad ones are reported and dropped,
// or with `strict` the first error is thrown.
import Foundation

public struct DataLoadOptions {
    /// Forces the schema (messages/alpaca/sharegpt) or the container (csv/xlsx); nil detects.
    public var format: DataFormat?
    /// Throw on the first error instead of dropping bad records.
    public var strict = false
    /// Column names for tables; nil detects common names (question/问题/prompt..., answer/回答/response...).
    public var questionColumn: String?
    public var answerColumn: String?
    public var systemColumn: String?
    /// With both set, samples longer than `maxTokens` get a `tooLong` warning.
    public var tokenCounter: ((Conversation) throws -> Int)?
    public var maxTokens: Int?
    /// Called after each chunk with (bytes read, file size).
    public var progress: ((Int64, Int64) -> Void)?
    public var chunkSize = 1 << 20
    /// Rewrites each JSON record before its schema is read (LLaMA-Factory column mappings, DatasetInfo.swift).
    public var mapping: RecordMapping?

    public init(format: DataFormat? = nil, strict: Bool = false, questionColumn: String? = nil,
                answerColumn: String? = nil, systemColumn: String? = nil,
                tokenCounter: ((Conversation) throws -> Int)? = nil, maxTokens: Int? = nil,
                progress: ((Int64, Int64) -> Void)? = nil) {
        self.format = format; self.strict = strict
        self.questionColumn = questionColumn; self.answerColumn = answerColumn; self.systemColumn = systemColumn
        self.tokenCounter = tokenCounter; self.maxTokens = maxTokens; self.progress = progress
    }
}

public enum DataLoader {
    /// Longest JSONL line and CSV field read: far beyond any chat sample, far below what would exhaust memory.
    public static let maxLineBytes = 16 << 20
    static let cancelled = SFTError("loading cancelled", hint: "nothing was loaded; run the command again")

    /// Loads `path`. Throws when the file cannot be read, holds no good sample, or (strict) has any error.
    public static func load(_ path: String, name: String? = nil, options: DataLoadOptions = DataLoadOptions()) throws -> Dataset {
        let displayName = name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw SFTError("this is a directory, not a dataset file",
                           hint: "name a file inside it, e.g. data load \(path.hasSuffix("/") ? path : path + "/")FILE.jsonl", file: path)
        }
        try RegularFile.check(path)   // a FIFO or device would block or never end
        guard let fh = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw SFTError(exists ? "cannot open the file" : "no such file", hint: exists ? "check its permissions" : "check the path", file: path)
        }
        defer { try? fh.close() }
        let total = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        let head = (try? fh.read(upToCount: 8192)) ?? Data()
        try? fh.seek(toOffset: 0)
        guard !head.isEmpty else { throw SFTError("the file is empty", hint: "a dataset has one sample per line (JSONL) or per row", file: path) }
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        var report = DataReport(file: path)
        var convs: [Conversation]
        let isZip = head.starts(with: [0x50, 0x4B, 0x03, 0x04])
        if options.format == .xlsx || ext == "xlsx" || isZip {
            report.format = .xlsx
            let rows = try XLSXReader.readFirstSheet(path: path)
            options.progress?(total, total)
            convs = try DataTable.conversations(rows, file: path, options: options, report: &report)
        } else {
            if head.contains(0) {
                throw SFTError("this looks like a binary file (it contains NUL bytes)",
                               hint: "datasets are UTF-8 text (.jsonl, .json, .csv) or .xlsx; a UTF-16 file must be re-saved as UTF-8", file: path)
            }
            var firstByte = head.first ?? 0
            var k = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while k < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[head.startIndex + k]) { k += 1 }
            if k < head.count { firstByte = head[head.startIndex + k] }
            if options.format == .text && !(ext == "jsonl" || ext == "json") || ((ext == "txt" || ext == "md") && options.format == nil) {
                report.format = .text
                convs = try TextCorpus.load(path, fh: fh, total: total, options: options, report: &report)
            } else if options.format == .csv || ((ext == "csv" || ext == "tsv") && options.format == nil) {
                report.format = .csv
                convs = try loadCSV(path, fh: fh, total: total, options: options, report: &report)
            } else if firstByte == UInt8(ascii: "[") {
                convs = try loadJSONArray(path, fh: fh, total: total, options: options, report: &report)
            } else if firstByte == UInt8(ascii: "{") || ext == "jsonl" || ext == "json" {
                convs = try loadJSONL(path, fh: fh, total: total, options: options, report: &report)
            } else {
                throw SFTError("cannot tell the format of this file",
                               hint: "use .jsonl (one {\"messages\": [...]} per line), .json, .csv, .xlsx or .txt, or pass --format <messages|alpaca|sharegpt|csv|xlsx|text>", file: path)
            }
        }
        try finish(&convs, options: options, report: &report)
        if convs.isEmpty {
            let first = report.problems.first { !$0.kind.isWarning }
            throw SFTError("no usable samples: \(report.headline)", hint: first.map { "first problem: \($0.description)" } ?? "the file has no records",
                           file: path)
        }
        return Dataset(name: displayName, source: path, format: report.format ?? .messages, conversations: convs, report: report)
    }

    /// FNV-1a over roles and the UTF-8 of every message (a 0xFF separator cannot occur in UTF-8).
    static func hash(_ messages: [Message]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for m in messages {
            h = (h ^ UInt64(m.role == .system ? 1 : m.role == .user ? 2 : 3)) &* 0x100_0000_01B3
            var text = m.content
            text.withUTF8 { u in for c in u { h = (h ^ UInt64(c)) &* 0x100_0000_01B3 } }
            h = (h ^ 0xFF) &* 0x100_0000_01B3
        }
        return h
    }

    /// Records a dropped record's problems; its first error decides the `droppedBy` kind.
    static func drop(_ problems: [DataProblem], _ report: inout DataReport) {
        guard let first = problems.first(where: { !$0.kind.isWarning }) else { return }
        for p in problems { report.add(p) }
        report.dropped += 1
        report.droppedBy[first.kind, default: 0] += 1
    }

    /// Streams JSONL: 1 MB chunks, lines cut at '\n' (a trailing '\r' is dropped); blank lines are skipped.
    static func loadJSONL(_ path: String, fh: FileHandle, total: Int64, options: DataLoadOptions,
                          report: inout DataReport) throws -> [Conversation] {
        var acc = SchemaAccumulator(file: path, forced: options.format, mapping: options.mapping)
        var pending: [UInt8] = []
        var line = 0
        var read: Int64 = 0
        var overlong = false   // the current line passed maxLineBytes: its bytes are skipped up to the next '\n'
        func process(_ b: UnsafeBufferPointer<UInt8>) {
            line += 1
            if overlong {
                overlong = false
                report.records += 1
                drop([DataProblem(.badJSON, file: path, line: line, "the line is longer than \(maxLineBytes >> 20) MiB",
                                  hint: "a sample that long is a broken file (a missing newline?), not a conversation")], &report)
                return
            }
            var s = 0, e = b.count
            if line == 1, e >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                s = 3
                report.add(DataProblem(.bom, file: path, line: 1, "the file starts with a UTF-8 byte order mark (skipped)",
                                       hint: "harmless here; some tools read it as part of the first key"))
            }
            if e > s, b[e - 1] == 0x0D { e -= 1 }
            var blank = true
            for k in s..<e where b[k] != 0x20 && b[k] != 0x09 { blank = false; break }
            if blank { return }
            acc.add(UnsafeBufferPointer(rebasing: b[s..<e]), line: line, report: &report)
        }
        while true {
            let chunk = try fh.read(upToCount: options.chunkSize) ?? Data()
            if chunk.isEmpty { break }
            read += Int64(chunk.count)
            chunk.withUnsafeBytes { raw in
                let b = raw.bindMemory(to: UInt8.self)
                guard let base = b.baseAddress else { return }
                var start = 0
                while start < b.count, let hit = memchr(base + start, 0x0A, b.count - start) {
                    let nl = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if nl - start + pending.count > maxLineBytes { overlong = true }
                    if pending.isEmpty || overlong {
                        process(UnsafeBufferPointer(rebasing: b[start..<nl]))
                        pending.removeAll()
                    } else {
                        pending.append(contentsOf: b[start..<nl])
                        pending.withUnsafeBufferPointer { process($0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    start = nl + 1
                }
                if start < b.count {
                    if overlong || pending.count + (b.count - start) > maxLineBytes { overlong = true; pending.removeAll() }
                    else { pending.append(contentsOf: b[start...]) }
                }
            }
            options.progress?(read, total)
            if Cancellation.requested { throw cancelled }
        }
        if !pending.isEmpty || overlong { pending.withUnsafeBufferPointer { process($0) } }
        return acc.finish(report: &report)
    }

    /// A file that is one JSON array of records; a syntax error anywhere stops the load (line:column).
    static func loadJSONArray(_ path: String, fh: FileHandle, total: Int64, options: DataLoadOptions,
                              report: inout DataReport) throws -> [Conversation] {
        let data = try fh.readToEnd() ?? Data()
        options.progress?(Int64(data.count), total)
        var acc = SchemaAccumulator(file: path, forced: options.format, mapping: options.mapping)
        try data.withUnsafeBytes { raw in
            var b = raw.bindMemory(to: UInt8.self)
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                report.add(DataProblem(.bom, file: path, line: 1, "the file starts with a UTF-8 byte order mark (skipped)"))
                b = UnsafeBufferPointer(rebasing: b[3...])
            }
            var lineAt = 0, line = 1
            func lineOf(_ offset: Int) -> Int {
                while lineAt < offset { if b[lineAt] == 0x0A { line += 1 }; lineAt += 1 }
                return line
            }
            do {
                var count = 0
                try JSONParser.parseArray(b) { v, offset in
                    acc.add(v, line: lineOf(offset), report: &report)
                    count += 1
                    if count % 1000 == 0, Cancellation.requested { throw cancelled }
                }
            } catch let e as JSONParseError {
                var l = 1, col = 1
                for k in 0..<min(e.offset, b.count) { if b[k] == 0x0A { l += 1; col = 1 } else { col += 1 } }
                throw SFTError("column \(col): \(e.message)",
                               hint: e.invalidUTF8 ? DataRecords.hint(.invalidUTF8) : "the whole file is one JSON array; fix the syntax here (or use JSONL, one record per line)",
                               file: path, line: l)
            }
        }
        return acc.finish(report: &report)
    }

    static func loadCSV(_ path: String, fh: FileHandle, total: Int64, options: DataLoadOptions,
                        report: inout DataReport) throws -> [Conversation] {
        let data = try fh.readToEnd() ?? Data()
        options.progress?(Int64(data.count), total)
        return try data.withUnsafeBytes { raw in
            var b = raw.bindMemory(to: UInt8.self)
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                report.add(DataProblem(.bom, file: path, line: 1, "the file starts with a UTF-8 byte order mark (skipped)"))
                b = UnsafeBufferPointer(rebasing: b[3...])
            }
            // Lines holding invalid UTF-8: their rows are dropped.
            var bad = Set<Int>()
            var from = 0, line = 1, counted = 0
            while from < b.count {
                let off = from + firstInvalidUTF8(UnsafeBufferPointer(rebasing: b[from...]))
                if off >= b.count { break }
                for k in counted..<off where b[k] == 0x0A { line += 1 }
                counted = off
                bad.insert(line)
                from = off + 1
            }
            let delim = URL(fileURLWithPath: path).pathExtension.lowercased() == "tsv" ? 0x09 : CSVReader.detectDelimiter(b)
            let r = CSVReader.read(b, delimiter: delim, maxField: maxLineBytes)
            if let l = r.overlongFieldLine {
                throw SFTError("a field starting here is longer than \(maxLineBytes >> 20) MiB", hint: "a cell that long is a broken file (an unclosed quote?), not a sample",
                               file: path, line: l)
            }
            // A row's invalid bytes may sit on a later line of a multi-line field: map each bad line to its row.
            let starts = r.rows.map(\.row)
            var badRows = Set<Int>()
            for l in bad {   // binary search: the last row starting at or before line l (rows are in line order)
                var lo = 0, hi = starts.count
                while lo < hi { let mid = (lo + hi) / 2; if starts[mid] <= l { lo = mid + 1 } else { hi = mid } }
                if lo > 0 { badRows.insert(starts[lo - 1]) }
            }
            for l in r.strayQuoteLines {
                report.add(DataProblem(.badRow, file: path, line: l, "stray quote inside an unquoted field (kept as text)",
                                       hint: "wrap the whole field in quotes and double the quotes inside: \"he said \"\"hi\"\"\""))
            }
            let convs = try DataTable.conversations(r.rows, file: path, options: options, badLines: badRows, report: &report)
            if let open = r.unterminatedQuoteLine {
                report.records += 1
                drop([DataProblem(.unterminatedQuote, file: path, line: open, "a quoted field opens here and never closes; the rest of the file is unreadable",
                                  hint: "close the quote, and double any quote inside a quoted field (\"\")")], &report)
            }
            return convs
        }
    }

    /// Duplicates and length, then `strict`; fills loaded count.
    static func finish(_ convs: inout [Conversation], options: DataLoadOptions, report: inout DataReport) throws {
        // Exact duplicates: bucket by a hash of the raw UTF-8 (String hashing normalises Unicode, which is
        // several times slower), then compare messages within a bucket.
        var seen: [UInt64: [Int]] = [:]
        seen.reserveCapacity(convs.count)
        for (i, c) in convs.enumerated() {
            let h = DataLoader.hash(c.messages)
            if let earlier = seen[h]?.first(where: { convs[$0].messages == c.messages }) {
                report.add(DataProblem(.duplicate, file: c.source ?? report.file, line: c.line,
                                       "same sample as line \(convs[earlier].line ?? earlier + 1)", hint: DataRecords.hint(.duplicate)))
            } else {
                seen[h, default: []].append(i)
            }
        }
        if let count = options.tokenCounter, let maxTokens = options.maxTokens, report.format != .text {
            for (k, c) in convs.enumerated() {
                let n = try count(c)
                if n > maxTokens {
                    report.add(DataProblem(.tooLong, file: c.source ?? report.file, line: c.line,
                                           "\(n) tokens, more than the context of \(maxTokens)", hint: DataRecords.hint(.tooLong)))
                }
                if k % 1000 == 999, Cancellation.requested { throw cancelled }
            }
        }
        report.problems.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        report.loaded = convs.count
        if options.strict, let first = report.problems.first(where: { !$0.kind.isWarning }) {
            var e = first.error
            e.hint = (e.hint.map { $0 + "\n" } ?? "") + "strict: \(Format.count(report.errorCount, "error")) in the file; nothing loaded"
            throw e
        }
    }
}

/// Per record: parse, classify by schema, convert. Keeps each conversation's schema so that at the end
/// records in a minority schema can be reported (`otherFormat`) when the file mixes shapes.
struct SchemaAccumulator {
    let file: String
    let forced: DataFormat?
    let mapping: RecordMapping?
    var convs: [Conversation] = []
    var schemas: [DataFormat] = []
    var tally: [DataFormat: Int] = [:]

    init(file: String, forced: DataFormat?, mapping: RecordMapping? = nil) {
        self.file = file
        self.mapping = mapping
        self.forced = forced?.isJSON == true ? forced : nil
    }

    mutating func add(_ b: UnsafeBufferPointer<UInt8>, line: Int, report: inout DataReport) {
        report.records += 1
        do {
            let v = try JSONParser.parse(b)
            addParsed(v, line: line, report: &report)
        } catch {
            let kind: ProblemKind = error.invalidUTF8 ? .invalidUTF8 : .badJSON
            let truncated = error.offset >= b.count && line > 0
            DataLoader.drop([DataProblem(kind, file: file, line: line, column: error.offset + 1,
                                         error.message + (truncated ? " (the line is cut off?)" : ""),
                                         hint: DataRecords.hint(kind))], &report)
        }
    }

    mutating func add(_ v: JSONValue, line: Int, report: inout DataReport) {
        report.records += 1
        addParsed(v, line: line, report: &report)
    }

    mutating func addParsed(_ parsed: JSONValue, line: Int, report: inout DataReport) {
        var v = parsed
        if let mapping {
            switch mapping.map(parsed) {
            case .success(let mapped): v = mapped
            case .failure(let f):
                DataLoader.drop([DataProblem(f.kind, file: file, line: line, f.message, hint: f.hint ?? DataRecords.hint(f.kind))], &report)
                return
            }
        }
        guard let schema = forced ?? DataRecords.schema(of: v) else {
            var keys = ""
            if case .object(let m) = v { keys = " (keys: \(m.prefix(6).map(\.key).joined(separator: ", ")))" }
            DataLoader.drop([DataProblem(.unknownSchema, file: file, line: line,
                                         "record has no messages, conversations or instruction/output field\(keys)",
                                         hint: "supported: {\"messages\": [...]}, Alpaca {instruction, input, output}, ShareGPT {conversations}")], &report)
            return
        }
        tally[schema, default: 0] += 1
        var ctx = RecordContext(file: file, line: line)
        if let c = DataRecords.convert(v, as: schema, &ctx) {
            convs.append(c)
            schemas.append(schema)
        } else {
            DataLoader.drop(ctx.problems, &report)
        }
    }

    /// Picks the majority schema and drops records of other schemas.
    mutating func finish(report: inout DataReport) -> [Conversation] {
        let major = forced ?? tally.max { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }?.key ?? .messages
        report.format = major
        guard tally.count > 1 else { return convs }
        var kept: [Conversation] = []
        for (c, s) in zip(convs, schemas) {
            if s == major { kept.append(c); continue }
            DataLoader.drop([DataProblem(.otherFormat, file: file, line: c.line, "this record is \(s.rawValue), but most of the file is \(major.rawValue)",
                                         hint: "use one format per file, or pass --format \(s.rawValue) to load that part")], &report)
        }
        return kept
    }
}
