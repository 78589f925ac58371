// SentencePiece: the SentencePiece-style BPE of Llama-2, TinyLlama, Mistral, Phi-3 and Gemma: spaces are written
// "▁" (U+2581), a "▁" may be put before the text, text is merged from Unicode characters (not bytes), and a character
// the vocabulary lacks falls back to its UTF-8 bytes as <0xNN> tokens. BPETokenizer holds one of these when its
// vocabulary is of this kind; this file holds the tables and the merge loop, not special-token handling.
//
// Merge order (lower rank first, leftmost on ties) comes from either source:
//   GGUF (tokenizer.ggml.model = llama): llama.cpp's llm_tokenizer_spm merges the adjacent pair whose concatenation is
//     a token with the highest score, so every split of every token into two tokens is a pair ranked by that score.
//   tokenizer.json: the BPE model's merges list, ranked by position (HF tokenizers' BPE with byte_fallback).

/// Where a "▁" goes in front of a raw-text segment (the text between special tokens).
public enum SpacePrefix: String, Sendable {
    /// No prefix (Gemma: add_space_prefix false; HF Metaspace prepend_scheme "never").
    case none
    /// Every segment, even one that already starts with a space: llama.cpp with add_space_prefix, and HF's
    /// Prepend("▁") normalizer (Llama-2 / Mistral "legacy" tokenizer.json).
    case everySegment
    /// HF Metaspace prepend_scheme "always": every segment that does not already start with a space.
    case unlessSpace
    /// HF Metaspace prepend_scheme "first": only the segment at the start of the text, unless it starts with a space.
    case firstSegment
}

struct SentencePieceModel: Sendable {
    /// Token text bytes (with "▁") -> id, for the single characters a text starts from.
    let pieceIds: [[UInt8]: Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let pairs: [UInt64: UInt64]
    /// <0xNN> token of each byte (-1 if the vocabulary lacks it).
    let byteFallback: [Int32]
    /// The token for text that has no piece and no byte token.
    let unknownId: Int32?
    let spacePrefix: SpacePrefix

    static let metaspace: [UInt8] = [0xE2, 0x96, 0x81]

    /// The byte of a "<0xNN>" token, if `t` is one.
    static func byteToken(_ t: String) -> UInt8? {
        let u = Array(t.utf8)
        guard u.count == 6, u[0] == 60, u[1] == 48, u[2] == 120, u[5] == 62 else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    /// The bytes a piece decodes to: "<0xNN>" -> [NN], "▁" -> " ".
    static func decodedBytes(_ t: String, isByte: Bool) -> [UInt8] {
        if isByte, let b = byteToken(t) { return [b] }
        var out: [UInt8] = []
        let u = Array(t.utf8)
        var i = 0
        while i < u.count {
            if i + 2 < u.count && u[i] == 0xE2 && u[i + 1] == 0x96 && u[i + 2] == 0x81 { out.append(32); i += 3 } else { out.append(u[i]); i += 1 }
        }
        return out
    }

    /// - tokens, types: the vocabulary; control and byte tokens never come out of a merge.
    /// - scores: GGUF tokenizer.ggml.scores (pairs derived from them), or
    /// - merges: tokenizer.json merges in rank order.
    init(tokens: [String], types: [TokenType], scores: [Float]?, merges: [(String, String)]?,
         unknownId: Int32?, spacePrefix: SpacePrefix) {
        var pieceIds: [[UInt8]: Int32] = [:]
        pieceIds.reserveCapacity(tokens.count)
        var byteFallback = [Int32](repeating: -1, count: 256)
        for (i, t) in tokens.enumerated() {
            if let b = Self.byteToken(t), types[i] == .byte || types[i] == .normal, byteFallback[Int(b)] < 0 {
                byteFallback[Int(b)] = Int32(i)
            }
            if types[i] == .control || types[i] == .byte { continue }
            let key = Array(t.utf8)
            if pieceIds[key] == nil { pieceIds[key] = Int32(i) }
        }
        var pairs: [UInt64: UInt64] = [:]
        if let merges {
            pairs.reserveCapacity(merges.count)
            for (rank, (a, b)) in merges.enumerated() {
                guard let l = pieceIds[Array(a.utf8)], let r = pieceIds[Array(b.utf8)], let m = pieceIds[Array((a + b).utf8)] else { continue }
                let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
                if pairs[key] == nil { pairs[key] = UInt64(rank) << 32 | UInt64(UInt32(m)) }
            }
        } else if let raw = scores {
            // Rank = position of the token's score among the distinct scores, highest first: equal scores share a
            // rank, so ties fall to the leftmost pair as in llama.cpp's queue. A NaN score (a damaged file) ranks last.
            let scores = raw.map { $0.isNaN ? -Float.infinity : $0 }
            let distinct = Array(Set(scores)).sorted(by: >)
            var rankOf: [Float: UInt64] = [:]
            for (i, s) in distinct.enumerated() { rankOf[s] = UInt64(i) }
            for (m, t) in tokens.enumerated() where types[m] != .control && types[m] != .byte {
                let u = Array(t.utf8)
                var cut = 1
                while cut < u.count {
                    if u[cut] & 0xC0 != 0x80, let l = pieceIds[Array(u[..<cut])], let r = pieceIds[Array(u[cut...])] {
                        let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
                        pairs[key] = rankOf[scores[m]]! << 32 | UInt64(UInt32(m))
                    }
                    cut += 1
                }
            }
        }
        self.pieceIds = pieceIds
        self.pairs = pairs
        self.byteFallback = byteFallback
        self.unknownId = unknownId
        self.spacePrefix = spacePrefix
    }

    /// Encodes utf8[lo..<hi] (valid UTF-8) appending ids, and each token's start offset in `utf8` when asked.
    /// `atTextStart`: the segment begins the whole text (for SpacePrefix.firstSegment).
    func encode(_ utf8: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, atTextStart: Bool,
                _ ids: inout [Int32], _ starts: UnsafeMutablePointer<[Int]>?) {
        // Symbols: one per character of the escaped text; ids[-1] = no piece; src = byte offset in the input.
        // HF's Metaspace checks the text after spaces became "▁": a literal "▁" counts as a space.
        let startsWithSpace = lo < hi && (utf8[lo] == 32 || (hi - lo >= 3 && utf8[lo] == 0xE2 && utf8[lo + 1] == 0x96 && utf8[lo + 2] == 0x81))
        let prefix: Bool
        switch spacePrefix {
        case .none: prefix = false
        case .everySegment: prefix = true
        case .unlessSpace: prefix = !startsWithSpace
        case .firstSegment: prefix = atTextStart && !startsWithSpace
        }
        var symId: [Int32] = [], src: [Int] = [], srcLen: [Int] = []
        symId.reserveCapacity(hi - lo + 1)
        let space = pieceIds[Self.metaspace] ?? -1
        if prefix { symId.append(space); src.append(lo); srcLen.append(0) }
        var p = lo
        while p < hi {
            let b0 = utf8[p]
            let len = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
            let n = min(len, hi - p)
            if b0 == 32 { symId.append(space) } else {
                symId.append(pieceIds[Array(UnsafeBufferPointer(rebasing: utf8[p..<(p + n)]))] ?? -1)
            }
            src.append(p); srcLen.append(n)
            p += n
        }
        let count = symId.count
        guard count > 0 else { return }
        var next = Array(1...count), prev = Array(-1..<(count - 1))
        next[count - 1] = -1
        var alive = [Bool](repeating: true, count: count)

        // Min-heap of (rank << 32 | left index) with the merged id alongside; stale entries are skipped on pop.
        var heap: [(key: UInt64, merged: Int32)] = []
        func push(_ l: Int) {
            let r = next[l]
            guard r >= 0, symId[l] >= 0, symId[r] >= 0 else { return }
            guard let v = pairs[UInt64(UInt32(symId[l])) << 32 | UInt64(UInt32(symId[r]))] else { return }
            heap.append(((v >> 32) << 32 | UInt64(l), Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)))
            var c = heap.count - 1
            while c > 0 { let par = (c - 1) / 2; if heap[par].key <= heap[c].key { break }; heap.swapAt(par, c); c = par }
        }
        func pop() -> (key: UInt64, merged: Int32) {
            let top = heap[0]
            heap[0] = heap[heap.count - 1]; heap.removeLast()
            var c = 0
            while true {
                let a = 2 * c + 1, b = a + 1
                var m = c
                if a < heap.count && heap[a].key < heap[m].key { m = a }
                if b < heap.count && heap[b].key < heap[m].key { m = b }
                if m == c { break }
                heap.swapAt(m, c); c = m
            }
            return top
        }
        for i in 0..<(count - 1) { push(i) }
        while !heap.isEmpty {
            let e = pop()
            let l = Int(e.key & 0xFFFF_FFFF), r = next[l]
            guard alive[l], r >= 0, symId[l] >= 0, symId[r] >= 0,
                  let v = pairs[UInt64(UInt32(symId[l])) << 32 | UInt64(UInt32(symId[r]))],
                  v >> 32 == e.key >> 32, Int32(truncatingIfNeeded: v & 0xFFFF_FFFF) == e.merged else { continue }
            symId[l] = e.merged
            srcLen[l] = src[r] + srcLen[r] - src[l]
            alive[r] = false
            next[l] = next[r]
            if next[r] >= 0 { prev[next[r]] = l }
            if prev[l] >= 0 { push(prev[l]) }
            push(l)
        }
        var i = 0
        while i >= 0 {
            if symId[i] >= 0 {
                ids.append(symId[i]); starts?.pointee.append(src[i])
            } else {
                // A character without a piece: its bytes as <0xNN> tokens (or the unknown token).
                for k in 0..<srcLen[i] {
                    let id = byteFallback[Int(utf8[src[i] + k])]
                    if id >= 0 { ids.append(id); starts?.pointee.append(src[i] + k) }
                    else if let u = unknownId { ids.append(u); starts?.pointee.append(src[i] + k); break }
                }
            }
            i = next[i]
        }
    }
}
