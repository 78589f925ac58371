// PreTokenizerStages: the pre-tokenizers llama.cpp writes as a sequence of regexes (llama-vocab.cpp), each applied
// to every piece the previous one left: matches become pieces and so does the text between two matches.
//   falcon:         [\p{P}\$\+<=>\^~\|`]+  then the gpt2 regex  then [0-9][0-9][0-9]
//   deepseek-llm:   [\r\n]  \s?[Latin, Greek, Cyrillic, ... letters]+  \s?[!-/:-~！-／：-～‘-‟　-。]+  \s+$
//                   [一-龥ࠀ-一가-퟿]+  \p{N}+
//   deepseek-coder: [\r\n]  \s?\p{L}+  \s?\p{P}+  [一-龥ࠀ-一가-퟿]+  \p{N}
// \s is Unicode whitespace (llama.cpp maps non-ASCII whitespace to \v before matching), \p{L}/\p{N} as ScalarClass,
// \p{P} the Unicode punctuation categories. Hand-written matchers, no regex engine, as in PreTokenizer.swift.

enum PreTokenizerStages {
    /// The character sets the regexes name.
    enum CharSet {
        case newline, number, letter, punctuation, asciiDigit
        case falconPunctuation   // \p{P} plus $ + < = > ^ ~ | `
        case deepseekLetter      // deepseek-llm's explicit letter ranges
        case deepseekPunctuation // !-/ :-~ ！-／ ：-～ ‘-‟ 、。 (U+3000 is whitespace by then, so never matches)
        case cjk                 // 一-龥 ࠀ-一 가-퟿

        @inline(__always) func contains(_ c: UInt32, _ cl: UInt8) -> Bool {
            switch self {
            case .newline: return c == 10 || c == 13
            case .number: return cl == ScalarClass.number
            case .letter: return cl == ScalarClass.letter
            case .asciiDigit: return c >= 48 && c <= 57
            case .punctuation: return PreTokenizerStages.isPunctuation(c)
            case .falconPunctuation:
                return PreTokenizerStages.isPunctuation(c) || c == 36 || c == 43 || (c >= 60 && c <= 62) || c == 94 || c == 126 || c == 124 || c == 96
            case .deepseekLetter: return PreTokenizerStages.inRanges(c, PreTokenizerStages.deepseekLetters)
            case .deepseekPunctuation:
                return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F)
                    || (c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || c == 0x3001 || c == 0x3002
            case .cjk: return (c >= 0x0800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF)
            }
        }
    }

    /// One regex of a sequence.
    enum Rule {
        case one(CharSet)               // [set]
        case run(CharSet)               // [set]+
        case spaceThenRun(CharSet)      // \s?[set]+
        case threes(CharSet)            // [set][set][set]
        case trailingSpace              // \s+$ (to the end of the piece)
        case gpt2                       // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    }

    static func rules(_ kind: PreTokenizerKind) -> [Rule] {
        switch kind {
        case .falcon: return [.run(.falconPunctuation), .gpt2, .threes(.asciiDigit)]
        case .deepseekLLM: return [.one(.newline), .spaceThenRun(.deepseekLetter), .spaceThenRun(.deepseekPunctuation),
                                   .trailingSpace, .run(.cjk), .run(.number)]
        case .deepseekCoder: return [.one(.newline), .spaceThenRun(.letter), .spaceThenRun(.punctuation), .run(.cjk), .one(.number)]
        default: return []
        }
    }

    static func split(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, kind: PreTokenizerKind,
                      into ends: inout PreTokenizer.EndSink) {
        guard !cps.isEmpty else { return }
        var pieces = [cps.count]
        for r in rules(kind) { pieces = apply(r, pieces, cps, cls) }
        for e in pieces { ends.append(e) }
    }

    /// Splits each piece (given by its end) by one rule: matches and the gaps between them become pieces.
    static func apply(_ rule: Rule, _ pieceEnds: [Int], _ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(pieceEnds.count * 2)
        var start = 0
        for end in pieceEnds {
            defer { start = end }
            if case .gpt2 = rule {
                var buf = [Int](repeating: 0, count: end - start)
                let n = buf.withUnsafeMutableBufferPointer { b in
                    var sink = PreTokenizer.EndSink(p: b.baseAddress!, n: 0)
                    PreTokenizer.gpt2(cps, cls, start, end, &sink)
                    return sink.n
                }
                out.append(contentsOf: buf.prefix(n))
                continue
            }
            if case .trailingSpace = rule {
                var t = end
                while t > start && cls[t - 1] == ScalarClass.space { t -= 1 }
                if t > start { out.append(t) }
                if t < end { out.append(end) }
                continue
            }
            var pos = start, gap = start
            while pos < end {
                let n = matchLength(rule, cps, cls, pos, end)
                if n > 0 {
                    if gap < pos { out.append(pos) }
                    pos += n
                    out.append(pos)
                    gap = pos
                } else {
                    pos += 1
                }
            }
            if gap < end { out.append(end) }
        }
        return out
    }

    /// Length of the rule's match starting exactly at pos (0: none).
    @inline(__always)
    static func matchLength(_ rule: Rule, _ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, _ pos: Int, _ end: Int) -> Int {
        @inline(__always) func runLength(_ set: CharSet, from p: Int) -> Int {
            var q = p
            while q < end && set.contains(cps[q], cls[q]) { q += 1 }
            return q - p
        }
        switch rule {
        case .one(let s): return s.contains(cps[pos], cls[pos]) ? 1 : 0
        case .run(let s): return runLength(s, from: pos)
        case .spaceThenRun(let s):
            let n = runLength(s, from: pos)
            if n > 0 { return n }
            if cls[pos] == ScalarClass.space && pos + 1 < end {
                let m = runLength(s, from: pos + 1)
                return m > 0 ? m + 1 : 0
            }
            return 0
        case .threes(let s):
            return pos + 3 <= end && s.contains(cps[pos], cls[pos]) && s.contains(cps[pos + 1], cls[pos + 1])
                && s.contains(cps[pos + 2], cls[pos + 2]) ? 3 : 0
        case .trailingSpace, .gpt2: return 0   // handled per piece in apply
        }
    }

    /// \p{P}: Unicode general categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
    static func isPunctuation(_ c: UInt32) -> Bool {
        guard let s = Unicode.Scalar(c) else { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    @inline(__always) static func inRanges(_ c: UInt32, _ r: [(UInt32, UInt32)]) -> Bool {
        // Sorted, non-overlapping: binary search for the last range starting at or before c.
        var lo = 0, hi = r.count
        while lo < hi { let m = (lo + hi) / 2; if r[m].0 <= c { lo = m + 1 } else { hi = m } }
        return lo > 0 && c <= r[lo - 1].1
    }

    /// deepseek-llm's letter class, as written in llama.cpp (A-Za-zµÀ-ÖØ-öø-ƺ ... 𞤀-𞥃), as code point ranges.
    static let deepseekLetters: [(UInt32, UInt32)] = [
        (0x41, 0x5A), (0x61, 0x7A), (0xB5, 0xB5), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x1BA),
        (0x1BC, 0x1BF), (0x1C4, 0x293), (0x295, 0x2AF), (0x370, 0x373), (0x376, 0x376), (0x377, 0x377),
        (0x37B, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1),
        (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F), (0x531, 0x556), (0x10A0, 0x10C5), (0x13A0, 0x13F5),
        (0x13F8, 0x13FD), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF), (0x1D00, 0x1D2B), (0x1D6B, 0x1D77), (0x1D79, 0x1D9A),
        (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57), (0x1F59, 0x1F59),
        (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4), (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE),
        (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4),
        (0x1FF6, 0x1FFC), (0x2102, 0x2102), (0x2107, 0x2107), (0x210A, 0x2113), (0x2115, 0x2115), (0x2119, 0x211D),
        (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128), (0x212A, 0x212D), (0x212F, 0x2134), (0x2139, 0x2139),
        (0x213C, 0x213F), (0x2145, 0x2149), (0x214E, 0x214E), (0x2183, 0x2183), (0x2184, 0x2184), (0x2C00, 0x2C7B),
        (0x2C7E, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF2), (0x2CF3, 0x2CF3), (0xA640, 0xA66D), (0xA680, 0xA69B),
        (0xA722, 0xA76F), (0xA771, 0xA787), (0xA78B, 0xA78E), (0xAB70, 0xABBF), (0xFB00, 0xFB06), (0xFB13, 0xFB17),
        (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0x10400, 0x1044F), (0x104B0, 0x104D3), (0x104D8, 0x104FB), (0x10C80, 0x10CB2),
        (0x10CC0, 0x10CF2), (0x118A0, 0x118DF), (0x1E900, 0x1E943)
    ]
}
