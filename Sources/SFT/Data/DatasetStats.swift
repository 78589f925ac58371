// Numbers `data stats` prints for a Dataset: samples, turns, characters per role, and with a chat template's
// `render` closure the token totals, trained (loss) tokens, a length histogram and the share over the
// context length; plus the Chinese/English mix (Han characters against Latin words).

public struct LengthBin: Equatable, Sendable {
    /// Samples with lower <= length < upper (tokens when rendered, else characters).
    public var lower: Int
    public var upper: Int
    public var count: Int
}

public struct DatasetStats: Equatable, Sendable {
    public var samples = 0
    /// User and assistant messages (system messages not counted), and samples with a system message.
    public var turns = 0
    public var withSystem = 0
    public var multiTurn = 0
    public var systemChars = 0
    public var userChars = 0
    public var assistantChars = 0
    /// Nil without a render closure.
    public var tokens: Int?
    public var trainedTokens: Int?
    public var minLength = 0
    public var maxLength = 0
    public var meanLength = 0.0
    /// Whether lengths and bins count tokens (true) or characters (false).
    public var lengthsInTokens = false
    public var histogram: [LengthBin] = []
    /// Samples longer than `contextLength` (tokens; pass the max-seq-len training cuts at), and their share;
    /// nil without render/context.
    public var overContext: Int?
    public var overContextShare: Double?
    /// Han characters and Latin words over all text, and the Han share hanChars / (hanChars + latinWords).
    public var hanChars = 0
    public var latinWords = 0
    public var hanShare: Double { hanChars + latinWords == 0 ? 0 : Double(hanChars) / Double(hanChars + latinWords) }

    public init() {}
}

extension Dataset {
    /// Computes stats; `render` (a chat template) gives tokens and the loss mask; `bins` histogram bins of
    /// equal width from 0 to the longest sample.
    public func stats(render: ((Conversation) throws -> RenderedChat)? = nil, contextLength: Int? = nil,
                      bins: Int = 10) throws -> DatasetStats {
        var s = DatasetStats()
        s.samples = count
        var lengths: [Int] = []
        lengths.reserveCapacity(count)
        var tokens = 0, trained = 0, over = 0
        for (i, c) in conversations.enumerated() {
            var chars = 0
            for m in c.messages {
                let n = m.content.count
                chars += n
                switch m.role {
                case .system: s.systemChars += n
                case .user, .tool: s.userChars += n; s.turns += 1
                case .assistant: s.assistantChars += n; s.turns += 1
                }
                Dataset.countScript(m.content, han: &s.hanChars, words: &s.latinWords)
            }
            if c.system != nil { s.withSystem += 1 }
            if c.turns.count > 2 { s.multiTurn += 1 }
            if let render {
                let r = try render(c)
                tokens += r.tokens.count
                trained += r.trainedCount
                lengths.append(r.tokens.count)
                if let contextLength, r.tokens.count > contextLength { over += 1 }
            } else {
                lengths.append(chars)
            }
            if i % 1000 == 999, Cancellation.requested { throw SFTError("stats cancelled") }
        }
        if render != nil {
            s.tokens = tokens; s.trainedTokens = trained; s.lengthsInTokens = true
            if contextLength != nil {
                s.overContext = over
                s.overContextShare = count == 0 ? 0 : Double(over) / Double(count)
            }
        }
        if let lo = lengths.min(), let hi = lengths.max() {
            s.minLength = lo; s.maxLength = hi
            s.meanLength = Double(lengths.reduce(0, +)) / Double(lengths.count)
            let nb = max(1, bins)
            let width = max(1, (hi - lo + nb) / nb)  // bins cover lo...hi: no empty rows below the shortest
            s.histogram = (0..<nb).map { LengthBin(lower: lo + $0 * width, upper: lo + ($0 + 1) * width, count: 0) }
            while let last = s.histogram.last, last.lower > hi { s.histogram.removeLast() }
            for l in lengths { s.histogram[min(s.histogram.count - 1, (l - lo) / width)].count += 1 }
        }
        return s
    }

    /// Counts Han ideographs (CJK Unified, Extension A, Compatibility) and runs of Latin letters (words).
    static func countScript(_ text: String, han: inout Int, words: inout Int) {
        var inWord = false
        for u in text.unicodeScalars {
            let v = u.value
            if (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x20000 && v <= 0x2FA1F) {
                han += 1
                inWord = false
            } else if (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0xC0 && v <= 0x24F && v != 0xD7 && v != 0xF7) {
                if !inWord { words += 1; inWord = true }
            } else if !(v == 0x27 && inWord) {
                inWord = false
            }
        }
    }
}
