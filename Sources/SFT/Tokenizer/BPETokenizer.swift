// BPETokenizer: byte-level BPE built from plain values (token strings, merges, token types), so any file format
// can feed it (GGUF metadata via TokenizerMetadataSource, HF tokenizer.json via fromTokenizerJSON). A vocabulary
// with the .sentencePiece pre-tokenizer ("▁" spaces, byte fallback) encodes through SentencePiece.swift instead.
// Encoding: special/added tokens are cut out first (longest match), the rest is pre-tokenized into words
// (PreTokenizer.swift), each word's bytes are merged by rank (lowest rank, leftmost first, as llama.cpp and HF),
// with a word cache. Decoding concatenates each token's raw bytes. Streaming decode lives in Generate/StreamDecoder.
import Synchronization

/// GGUF token types (llama.cpp `llama_token_type`).
public enum TokenType: Int32, Sendable {
    case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
}

public final class BPETokenizer: @unchecked Sendable {
    public let tokens: [String]
    public let tokenTypes: [TokenType]
    public let preTokenizer: PreTokenizerKind
    public let bosId: Int32?
    public let eosId: Int32?
    public let ignoreMerges: Bool
    public var vocabSize: Int { tokens.count }
    /// Set for SentencePiece-style vocabularies (preTokenizer .sentencePiece).
    let sentencePiece: SentencePieceModel?

    /// Raw bytes of each token (byte-level pieces decoded; control/user-defined tokens as written).
    let bytesOf: [[UInt8]]
    /// Normal-token bytes -> id.
    let idOfBytes: [[UInt8]: Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let mergeRanks: [UInt64: UInt64]
    /// Token id of each single byte (-1 if the vocabulary lacks it).
    let byteIds: [Int32]
    /// Special tokens grouped by first byte, longest first: (bytes, id, matchedWithoutParseSpecial).
    let specialsByFirstByte: [[([UInt8], Int32, Bool)]]
    /// Whether any special token starts with this byte.
    let startsSpecial: [Bool]
    let tokenIndex: [String: Int32]
    /// Byte length of each token.
    let lengthOf: [Int32]
    struct CacheEntry { var bytes: [UInt8]; var ids: [Int32] }
    private let cache = Mutex<[UInt64: CacheEntry]>([:])

    /// - tokens: vocabulary in byte-level form ("Ġthe"), as GGUF `tokenizer.ggml.tokens` / tokenizer.json vocab.
    /// - merges: pairs in rank order.
    /// - tokenTypes: GGUF types (1 normal, 3 control, 4 user-defined, ...); nil means all normal.
    /// - specialTokens: extra token strings to treat as control tokens (tokenizer.json added_tokens with special).
    /// - addedTokens: token strings matched in text even when parseSpecial is false (non-special added tokens).
    /// - scores, spacePrefix, unknownId: SentencePiece vocabularies only (preTokenizer .sentencePiece): GGUF scores
    ///   rank the merges when `merges` is empty; spacePrefix says where a "▁" goes before text.
    public init(tokens: [String], merges: [(String, String)], tokenTypes: [Int32]? = nil,
                preTokenizer: PreTokenizerKind, specialTokens: [String] = [], addedTokens: [String] = [],
                bosId: Int32? = nil, eosId: Int32? = nil, ignoreMerges: Bool? = nil,
                scores: [Float]? = nil, spacePrefix: SpacePrefix = .everySegment, unknownId: Int32? = nil) throws {
        guard !tokens.isEmpty else { throw SFTError("tokenizer has an empty vocabulary") }
        if let tt = tokenTypes, tt.count != tokens.count {
            throw SFTError("tokenizer has \(tokens.count) tokens but \(tt.count) token types",
                           hint: "the vocabulary file is inconsistent; re-export it")
        }
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = Int32(i) }
        var types = (tokenTypes ?? []).map { TokenType(rawValue: $0) ?? .normal }
        if types.isEmpty { types = Array(repeating: .normal, count: tokens.count) }
        for s in specialTokens { if let id = index[s] { types[Int(id)] = .control } }
        for s in addedTokens { if let id = index[s], types[Int(id)] == .normal { types[Int(id)] = .userDefined } }
        if let sc = scores, sc.count != tokens.count {
            throw SFTError("tokenizer has \(tokens.count) tokens but \(sc.count) scores",
                           hint: "the vocabulary file is inconsistent; re-export it")
        }
        for id in [bosId, eosId, unknownId].compactMap({ $0 }) where id < 0 || Int(id) >= tokens.count {
            throw SFTError("special token id \(id) is outside the vocabulary of \(tokens.count)")
        }

        var bytesOf: [[UInt8]] = []
        bytesOf.reserveCapacity(tokens.count)
        var idOfBytes: [[UInt8]: Int32] = [:]
        idOfBytes.reserveCapacity(tokens.count)
        var specials: [[([UInt8], Int32, Bool)]] = Array(repeating: [], count: 256)
        for (i, t) in tokens.enumerated() {
            switch types[i] {
            case .control, .userDefined, .unknown:
                let b = Array(t.utf8)
                bytesOf.append(b)
                if let f = b.first { specials[Int(f)].append((b, Int32(i), types[i] == .userDefined)) }
            default:
                let b = preTokenizer == .sentencePiece ? SentencePieceModel.decodedBytes(t, isByte: true) : ByteLevel.decode(t)
                bytesOf.append(b)
                if idOfBytes[b] == nil { idOfBytes[b] = Int32(i) }
            }
        }
        for f in 0..<256 { specials[f].sort { $0.0.count > $1.0.count } }
        var byteIds = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { byteIds[b] = idOfBytes[[UInt8(b)]] ?? -1 }

        var ranks: [UInt64: UInt64] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let l = index[a], let r = index[b], let m = index[a + b] else { continue }
            let key = UInt64(UInt32(l)) << 32 | UInt64(UInt32(r))
            if ranks[key] == nil { ranks[key] = UInt64(rank) << 32 | UInt64(UInt32(m)) }
        }

        self.tokens = tokens
        self.tokenTypes = types
        self.preTokenizer = preTokenizer
        self.bosId = bosId
        self.eosId = eosId
        self.ignoreMerges = ignoreMerges ?? preTokenizer.ignoresMerges
        self.bytesOf = bytesOf
        self.lengthOf = bytesOf.map { Int32($0.count) }
        self.idOfBytes = idOfBytes
        self.mergeRanks = ranks
        self.byteIds = byteIds
        self.specialsByFirstByte = specials
        self.startsSpecial = specials.map { !$0.isEmpty }
        self.tokenIndex = index
        self.sentencePiece = preTokenizer != .sentencePiece ? nil :
            SentencePieceModel(tokens: tokens, types: types, scores: scores, merges: merges.isEmpty ? nil : merges,
                               unknownId: unknownId, spacePrefix: spacePrefix)
    }

    /// Merges written as GGUF / tokenizer.json strings "a b".
    public convenience init(tokens: [String], merges: [String], tokenTypes: [Int32]? = nil,
                            preTokenizer: PreTokenizerKind, specialTokens: [String] = [], addedTokens: [String] = [],
                            bosId: Int32? = nil, eosId: Int32? = nil, ignoreMerges: Bool? = nil) throws {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(merges.count)
        for (i, m) in merges.enumerated() {
            guard let sp = m.firstIndex(of: " "), sp != m.startIndex || m.count > 1 else {
                throw SFTError("merge \(i) '\(m)' is not two tokens separated by a space",
                               hint: "merges are written \"left right\"")
            }
            pairs.append((String(m[..<sp]), String(m[m.index(after: sp)...])))
        }
        try self.init(tokens: tokens, merges: pairs, tokenTypes: tokenTypes, preTokenizer: preTokenizer,
                      specialTokens: specialTokens, addedTokens: addedTokens, bosId: bosId, eosId: eosId,
                      ignoreMerges: ignoreMerges)
    }

    // MARK: lookup

    /// Id of a token string as written in the vocabulary ("<|im_end|>", "Ġthe").
    public func id(of token: String) -> Int32? { tokenIndex[token] }
    /// Raw bytes a token decodes to.
    public func bytes(of id: Int32) -> [UInt8] { Int(id) >= 0 && Int(id) < bytesOf.count ? bytesOf[Int(id)] : [] }
    /// Control/unknown tokens (not text): skipped by decode(skipSpecial: true).
    public func isSpecial(_ id: Int32) -> Bool {
        guard Int(id) >= 0 && Int(id) < tokenTypes.count else { return false }
        let t = tokenTypes[Int(id)]
        return t == .control || t == .unknown
    }
    /// SentencePiece vocabularies that put a "▁" before text: decoding drops one space at the start.
    public var dropsFirstSpace: Bool { sentencePiece.map { $0.spacePrefix != .none } ?? false }
    /// The piece as text (lossy for partial UTF-8 bytes, which show as U+FFFD).
    public func piece(_ id: Int32) -> String { String(decoding: bytes(of: id), as: UTF8.self) }

    // MARK: encode

    /// Token ids for `text`, no BOS added. parseSpecial: control tokens written in the text ("<|im_end|>")
    /// become their ids (HF behaviour); when false only user-defined added tokens do (llama.cpp's test setting).
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        var ids: [Int32] = []
        encode(text, parseSpecial: parseSpecial, ids: &ids, starts: nil)
        return ids
    }

    /// Ids plus the UTF-8 byte offset where each token starts in `text`.
    public func encodeWithOffsets(_ text: String, parseSpecial: Bool = true) -> (ids: [Int32], starts: [Int]) {
        var ids: [Int32] = [], starts: [Int] = []
        encode(text, parseSpecial: parseSpecial, ids: &ids, starts: &starts)
        return (ids, starts)
    }

    /// Scratch memory for one encode call, sized for the whole text: scalars, their classes, byte offsets, word ends.
    struct Scratch {
        let cps: UnsafeMutableBufferPointer<UInt32>, cls: UnsafeMutableBufferPointer<UInt8>
        let offs: UnsafeMutableBufferPointer<Int>, ends: UnsafeMutableBufferPointer<Int>
        init(_ n: Int) {
            cps = .allocate(capacity: n + 1); cls = .allocate(capacity: n + 1)
            offs = .allocate(capacity: n + 1); ends = .allocate(capacity: n + 1)
        }
        func free() { cps.deallocate(); cls.deallocate(); offs.deallocate(); ends.deallocate() }
    }

    func encode(_ text: String, parseSpecial: Bool, ids: inout [Int32], starts: UnsafeMutablePointer<[Int]>?) {
        var text = text
        text.withUTF8 { utf8 in
            ids.reserveCapacity(ids.count + utf8.count / 3 + 4)
            let scratch = Scratch(utf8.count)
            defer { scratch.free() }
            var segStart = 0, i = 0
            while i < utf8.count {
                var matchLen = 0, matchId: Int32 = 0
                if startsSpecial[Int(utf8[i])] {
                    for (b, id, plain) in specialsByFirstByte[Int(utf8[i])] where parseSpecial || plain {
                        if i + b.count <= utf8.count && utf8[i..<(i + b.count)].elementsEqual(b) { matchLen = b.count; matchId = id; break }
                    }
                }
                if matchLen > 0 {
                    if segStart < i { encodeSegment(utf8, segStart, i, &ids, starts, scratch) }
                    ids.append(matchId)
                    starts?.pointee.append(i)
                    i += matchLen
                    segStart = i
                } else {
                    i += 1
                }
            }
            if segStart < utf8.count { encodeSegment(utf8, segStart, utf8.count, &ids, starts, scratch) }
        }
    }

    /// Pre-tokenize utf8[lo..<hi] (valid UTF-8: cuts fall on special-token boundaries) and BPE each word.
    func encodeSegment(_ utf8: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ ids: inout [Int32],
                       _ starts: UnsafeMutablePointer<[Int]>?, _ s: Scratch) {
        if let sentencePiece {
            sentencePiece.encode(utf8, lo, hi, atTextStart: lo == 0, &ids, starts)
            return
        }
        var n = 0, p = lo
        while p < hi {
            let b0 = UInt32(utf8[p])
            s.offs[n] = p
            if b0 < 0x80 { s.cps[n] = b0; s.cls[n] = ScalarClass.ofASCII(b0); n += 1; p += 1; continue }
            let len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
            var c = b0 & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F)
            for k in 1..<len where p + k < hi { c = c << 6 | (UInt32(utf8[p + k]) & 0x3F) }
            s.cps[n] = c; s.cls[n] = ScalarClass.classify(c); n += 1; p += len
        }
        s.offs[n] = hi
        var sink = PreTokenizer.EndSink(p: s.ends.baseAddress!, n: 0)
        PreTokenizer.split(UnsafeBufferPointer(rebasing: s.cps[0..<n]), UnsafeBufferPointer(rebasing: s.cls[0..<n]),
                           kind: preTokenizer, into: &sink)
        var wordStart = 0
        for w in 0..<sink.n {
            let e = s.ends[w]
            let a = s.offs[wordStart], b = s.offs[e]
            wordStart = e
            let before = ids.count
            bpeWord(UnsafeBufferPointer(rebasing: utf8[a..<b]), &ids)
            if let starts {
                // Token starts inside the word: running sum of token byte lengths.
                var o = a
                for t in before..<ids.count { starts.pointee.append(o); o += Int(lengthOf[Int(ids[t])]) }
            }
        }
    }

    /// BPE one word's bytes, appending ids. Cached by a 64-bit FNV-1a hash, verified against the stored bytes.
    func bpeWord(_ word: UnsafeBufferPointer<UInt8>, _ out: inout [Int32]) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let hit: Bool = cache.withLock { c in
            guard let e = c[h], e.bytes.elementsEqual(word) else { return false }
            out.append(contentsOf: e.ids)
            return true
        }
        if hit { return }
        let result = mergeWord(Array(word))
        cache.withLock { c in
            if c.count > 200_000 { c.removeAll(keepingCapacity: true) }
            if c[h] == nil { c[h] = CacheEntry(bytes: Array(word), ids: result) }
        }
        out.append(contentsOf: result)
    }

    /// The merge loop: repeatedly merge the adjacent pair with the lowest rank (leftmost on ties).
    /// Reference-simple O(n^2) per word; words are short and cached.
    func mergeWord(_ word: [UInt8]) -> [Int32] {
        if ignoreMerges, let id = idOfBytes[word] { return [id] }
        var syms: [Int32] = []
        syms.reserveCapacity(word.count)
        var i = 0
        while i < word.count {
            let id = byteIds[Int(word[i])]
            if id >= 0 { syms.append(id) }
            i += 1
        }
        while syms.count > 1 {
            var best = UInt64.max, at = -1
            for j in 0..<(syms.count - 1) {
                let key = UInt64(UInt32(syms[j])) << 32 | UInt64(UInt32(syms[j + 1]))
                if let v = mergeRanks[key], v < best { best = v; at = j }
            }
            if at < 0 { break }
            syms[at] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
            syms.remove(at: at + 1)
        }
        return syms
    }

    // MARK: decode

    /// Exact text of `ids` (invalid UTF-8 fragments show as U+FFFD). skipSpecial drops control tokens.
    /// SentencePiece vocabularies that put a "▁" before text drop one leading space of the first token, as HF's
    /// Strip decoder and llama.cpp's detokenizer do.
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        var out: [UInt8] = []
        var first = true
        for id in ids where !(skipSpecial && isSpecial(id)) {
            let b = bytes(of: id)
            if first, dropsFirstSpace, !isSpecial(id), b.first == 32 {
                out.append(contentsOf: b.dropFirst())
            } else {
                out.append(contentsOf: b)
            }
            first = false
        }
        return String(decoding: out, as: UTF8.self)
    }
}
