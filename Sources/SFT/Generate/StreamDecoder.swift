// StreamDecoder: turns token ids into text one id at a time for live generation output. Emits only complete
// UTF-8 characters: an incomplete multi-byte sequence at the end is held back until the next token completes it;
// bytes that can never form a character are emitted as U+FFFD; `finish()` flushes what is left (as U+FFFD).

public struct StreamDecoder {
    public let tokenizer: BPETokenizer
    /// Control tokens (e.g. <|im_end|>) produce no text when true.
    public var skipSpecial: Bool
    var pending: [UInt8] = []
    /// Whether a text token has been pushed: a SentencePiece reply's first "▁" is the prefix space, not text.
    var started = false

    public init(tokenizer: BPETokenizer, skipSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Text completed by this token (possibly empty).
    public mutating func push(_ id: Int32) -> String {
        if skipSpecial && tokenizer.isSpecial(id) { return "" }
        let b = tokenizer.bytes(of: id)
        let drop = !started && !tokenizer.isSpecial(id) && tokenizer.dropsFirstSpace && b.first == 32
        if !tokenizer.isSpecial(id) { started = true }
        pending.append(contentsOf: drop ? b.dropFirst() : b[...])
        let cut = Self.completePrefix(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Everything still held back; invalid or truncated sequences become U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the prefix that can be decoded now: all bytes except a trailing lead byte whose continuation
    /// bytes have not all arrived yet (and which so far are valid continuations).
    static func completePrefix(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        // Walk back over at most 3 continuation bytes to the last lead byte.
        while i >= 0 && i >= n - 4 && b[i] & 0xC0 == 0x80 { i -= 1 }
        guard i >= 0 && i >= n - 4 else { return n }
        let lead = b[i]
        let need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xC2 && lead <= 0xDF ? 2 : 1
        return n - i < need ? i : n
    }
}
