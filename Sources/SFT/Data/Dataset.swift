// Dataset: a named list of Conversations with where it came from and what loading found, and the
// operations the shell's `data` commands run on it: add, split, sample, find, filter, dedup. Every
// operation returns a new value (or result struct) and leaves the original alone; randomness comes from a
// DataShuffleRNG seeded by the caller. Loading is in DataLoader.swift, stats in DatasetStats.swift,
// saving in DatasetWriter.swift.
import Foundation

public struct Dataset: Sendable {
    public var name: String
    public var source: String?
    public var format: DataFormat
    public var conversations: [Conversation]
    public var report: DataReport
    /// Per-sample scores from `data score` (SampleLosses.swift), in sample order; nil until scored, and dropped
    /// by any edit that changes text (they no longer describe it).
    public var scores: [SampleScore]?

    public init(name: String, source: String? = nil, format: DataFormat = .messages,
                conversations: [Conversation] = [], report: DataReport? = nil) {
        self.name = name; self.source = source; self.format = format
        self.conversations = conversations
        self.report = report ?? DataReport(file: source ?? name)
    }

    public var count: Int { conversations.count }

    public static func load(_ path: String, name: String? = nil, options: DataLoadOptions = DataLoadOptions()) throws -> Dataset {
        try DataLoader.load(path, name: name, options: options)
    }

    /// Appends `c` after checking the conversation rules; throws the first broken rule.
    public mutating func add(_ c: Conversation) throws {
        let problems = DataRecords.checkTurns(c.messages, file: name, line: conversations.count + 1)
            + c.messages.enumerated().compactMap { k, m in
                m.content.isBlankText
                    ? DataProblem(.emptyContent, file: name, line: conversations.count + 1, "message \(k + 1) (\(m.role.rawValue)) has empty content",
                                  hint: DataRecords.hint(.emptyContent)) : nil
            }
        if let p = problems.first { throw SFTError(p.message, hint: p.hint) }
        conversations.append(c)
    }

    func subset(_ indices: [Int], name: String) -> Dataset {
        var d = Dataset(name: name, source: source, format: format, conversations: indices.map { conversations[$0] }, report: report)
        d.scores = scores.map { s in indices.map { s[$0] } }
        return d
    }

    /// Shuffles with `seed` and puts round(validFraction * count) samples in `valid` (at least one when the
    /// fraction is positive and there are two or more samples), keeping file order inside each part.
    public func split(validFraction: Double, seed: UInt64) throws -> (train: Dataset, valid: Dataset) {
        guard validFraction >= 0, validFraction < 1 else {
            throw SFTError("valid fraction \(validFraction) is outside 0..<1", hint: "e.g. 0.1 keeps 10% for validation")
        }
        var nValid = Int((validFraction * Double(count)).rounded())
        if validFraction > 0, count >= 2 { nValid = min(max(nValid, 1), count - 1) }
        var rng = DataShuffleRNG(seed: seed)
        let perm = rng.permutation(count)
        let valid = perm[0..<nValid].sorted(), train = perm[nValid...].sorted()
        return (subset(train, name: name + "-train"), subset(valid, name: name + "-valid"))
    }

    /// `n` samples drawn without replacement with `seed` (all of them, shuffled, if n >= count).
    public func sample(_ n: Int, seed: UInt64) -> Dataset {
        var rng = DataShuffleRNG(seed: seed)
        return subset(Array(rng.permutation(count).prefix(max(0, n))), name: name + "-sample")
    }

    /// A hit of `find`: sample index, message index inside it, and a snippet around the match.
    public struct FindHit: Equatable, Sendable {
        public var sample: Int
        public var message: Int
        public var role: Role
        public var snippet: String
        /// Where the match lies inside `snippet` (for highlighting).
        public var match: Range<String.Index>
    }

    /// Case-insensitive search of every message; at most one hit per message. `context` characters of text
    /// either side of the match go into the snippet (newlines shown as spaces, "…" where cut).
    public func find(_ text: String, context: Int = 30, limit: Int = .max) -> [FindHit] {
        guard !text.isEmpty else { return [] }
        var hits: [FindHit] = []
        for (i, c) in conversations.enumerated() {
            for (k, m) in c.messages.enumerated() {
                guard let r = m.content.range(of: text, options: [.caseInsensitive]) else { continue }
                let s = m.content
                let lo = s.index(r.lowerBound, offsetBy: -context, limitedBy: s.startIndex) ?? s.startIndex
                let hi = s.index(r.upperBound, offsetBy: context, limitedBy: s.endIndex) ?? s.endIndex
                func flat(_ x: Substring) -> String { x.replacingOccurrences(of: "\n", with: " ") }
                let before = (lo > s.startIndex ? "…" : "") + flat(s[lo..<r.lowerBound]), hit = flat(s[r])
                let snip = before + hit + flat(s[r.upperBound..<hi]) + (hi < s.endIndex ? "…" : "")
                let a = snip.index(snip.startIndex, offsetBy: before.count), b = snip.index(a, offsetBy: hit.count)
                hits.append(FindHit(sample: i, message: k, role: m.role, snippet: snip, match: a..<b))
                if hits.count >= limit { return hits }
            }
        }
        return hits
    }

    /// What `filter` and `dedup` removed: the smaller dataset and the indices (into the original) dropped.
    public struct Removal: Sendable {
        public var kept: Dataset
        public var removed: [Int]
        /// For dedup: removed index -> index of the earlier sample it duplicates.
        public var duplicateOf: [Int: Int]
    }

    /// Keeps samples whose token count lies in `tokens` (needs `counter`) and whose number of user/assistant
    /// turns lies in `turns`.
    /// `match` keeps samples where the regular expression matches some message; `maxPerplexity` and `maxIFD`
    /// keep samples scored at or below them (they need `scores`; a sample without an IFD passes that limit).
    public func filter(tokens: ClosedRange<Int>? = nil, counter: ((Conversation) throws -> Int)? = nil,
                       turns: ClosedRange<Int>? = nil, match: NSRegularExpression? = nil,
                       maxPerplexity: Double? = nil, maxIFD: Double? = nil) throws -> Removal {
        if tokens != nil && counter == nil { throw SFTError("filtering by tokens needs a tokenizer", hint: "load a model first") }
        if (maxPerplexity != nil || maxIFD != nil) && scores == nil {
            throw SFTError("\(name) has no scores", hint: "data score \(name) computes them (needs a model)")
        }
        var keep: [Int] = [], removed: [Int] = []
        for (i, c) in conversations.enumerated() {
            var ok = true
            if let turns, !turns.contains(c.turns.count) { ok = false }
            if ok, let match {
                ok = c.messages.contains { m in match.firstMatch(in: m.content, range: NSRange(m.content.startIndex..., in: m.content)) != nil }
            }
            if ok, let maxPerplexity, let s = scores?[i], !(s.perplexity <= maxPerplexity) { ok = false }
            if ok, let maxIFD, let f = scores?[i].ifd, !(f <= maxIFD) { ok = false }
            if ok, let tokens, let counter, !tokens.contains(try counter(c)) { ok = false }
            if ok { keep.append(i) } else { removed.append(i) }
            if i % 1000 == 999, Cancellation.requested { throw SFTError("filter cancelled", hint: "the dataset is unchanged") }
        }
        return Removal(kept: subset(keep, name: name), removed: removed, duplicateOf: [:])
    }

    /// Removes later copies of a sample. `normalized` compares text folded by `Dataset.normalize`
    /// (case, whitespace, punctuation, full-width forms); otherwise exact equality of every message.
    public func dedup(normalized: Bool = false) -> Removal {
        var seen: [[String]: Int] = [:]
        var keep: [Int] = [], removed: [Int] = [], of: [Int: Int] = [:]
        for (i, c) in conversations.enumerated() {
            let key = c.messages.map { m in m.role.rawValue + ":" + (normalized ? Dataset.normalize(m.content) : m.content) }
            if let first = seen[key] { removed.append(i); of[i] = first } else { seen[key] = i; keep.append(i) }
        }
        return Removal(kept: subset(keep, name: name), removed: removed, duplicateOf: of)
    }

    /// Folds text for near-duplicate detection: full-width ASCII forms and the ideographic space to their
    /// half-width forms, lower case, and all whitespace and punctuation removed.
    public static func normalize(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            var v = u.value
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 } else if v == 0x3000 { v = 0x20 }
            guard let scalar = Unicode.Scalar(v) else { continue }
            let p = scalar.properties
            if p.isWhitespace { continue }
            switch p.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: continue
            default: break
            }
            if p.changesWhenLowercased { out.append(contentsOf: String(scalar).lowercased().unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }
}
