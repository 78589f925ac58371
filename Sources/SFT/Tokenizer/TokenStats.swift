// TokenStats: what the `tokens TEXT` command shows: ids, pieces, and how densely the vocabulary covers the text
// (characters per token; tokens per Han character and per English word, counted on the tokens that overlap
// Han characters / English words, so mixed text gives a figure for each script).

public struct TokenStats: Equatable, Sendable {
    public var count: Int
    public var ids: [Int32]
    /// Each token's text; bytes that are not complete UTF-8 on their own are shown as <0xE4> etc.
    public var pieces: [String]
    /// Unicode characters (grapheme clusters) in the text.
    public var characters: Int
    public var charactersPerToken: Double
    public var hanCharacters: Int
    /// Tokens overlapping Han characters / Han characters; nil without Han text.
    public var tokensPerHanCharacter: Double?
    /// Runs of ASCII letters (with inner apostrophes).
    public var englishWords: Int
    /// Tokens overlapping English words / English words; nil without English words.
    public var tokensPerEnglishWord: Double?
}

/// Stats for `text` tokenized as the model sees it (special tokens parsed, no BOS).
public func tokenStats(text: String, tokenizer: BPETokenizer) -> TokenStats {
    let (ids, starts) = tokenizer.encodeWithOffsets(text, parseSpecial: true)
    let pieces = ids.map { tokenizer.displayPiece($0) }
    // Byte ranges of Han characters and English words.
    var han: [Range<Int>] = [], words: [Range<Int>] = []
    var off = 0, wordStart = -1
    let scalars = Array(text.unicodeScalars)
    for (k, s) in scalars.enumerated() {
        let len = String(s).utf8.count
        let isAsciiLetter = (s.value >= 65 && s.value <= 90) || (s.value >= 97 && s.value <= 122)
        let innerApostrophe = s == "'" && wordStart >= 0 && k + 1 < scalars.count && scalars[k + 1].isASCII && scalars[k + 1].properties.isAlphabetic
        if isAsciiLetter || innerApostrophe { if wordStart < 0 { wordStart = off } }
        else if wordStart >= 0 { words.append(wordStart..<off); wordStart = -1 }
        if s.properties.isIdeographic && isHan(s) { han.append(off..<(off + len)) }
        off += len
    }
    if wordStart >= 0 { words.append(wordStart..<off) }
    func overlapping(_ ranges: [Range<Int>]) -> Int {
        var n = 0
        for (i, id) in ids.enumerated() {
            let r = starts[i]..<(starts[i] + max(tokenizer.bytes(of: id).count, 1))
            if ranges.contains(where: { $0.overlaps(r) }) { n += 1 }
        }
        return n
    }
    let chars = text.count
    return TokenStats(count: ids.count, ids: ids, pieces: pieces, characters: chars,
                      charactersPerToken: ids.isEmpty ? 0 : Double(chars) / Double(ids.count),
                      hanCharacters: han.count,
                      tokensPerHanCharacter: han.isEmpty ? nil : Double(overlapping(han)) / Double(han.count),
                      englishWords: words.count,
                      tokensPerEnglishWord: words.isEmpty ? nil : Double(overlapping(words)) / Double(words.count))
}

/// CJK Unified Ideographs (and extensions), compatibility ideographs, 〇.
func isHan(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x323AF).contains(v)
        || (0xF900...0xFAFF).contains(v) || v == 0x3007
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

extension BPETokenizer {
    /// A token's text for people: its UTF-8 text, or "<0xE8><0xAF>" when its bytes are part of a character (byte
    /// fallback, byte-level pieces of a split character), where decoding alone would print a U+FFFD per token.
    public func displayPiece(_ id: Int32) -> String {
        let b = bytes(of: id)
        if let s = String(validating: b, as: UTF8.self) { return s }
        return b.map { "<0x" + String($0, radix: 16, uppercase: true).leftPad(2) + ">" }.joined()
    }
}
