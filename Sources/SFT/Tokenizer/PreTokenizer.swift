// PreTokenizer: splits text into words before BPE, one hand-written scanner per regex family, equivalent to the
// regexes HF tokenizers and llama.cpp use (llama.cpp's unicode.cpp custom splitters are the reference):
//   gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   qwen2:  as llama3 but \p{N} (one digit per word)
//   smollm: \p{N} split first (every digit its own word), then gpt2 inside each piece
//   falcon, deepseek-llm, deepseek-coder: llama.cpp's sequences of regexes (PreTokenizerStages.swift)
//   sentencepiece: no split; SentencePiece.swift encodes the whole text between special tokens
// Works on Unicode scalars (code points); returns word ends as scalar indices. No regex engine.

public enum PreTokenizerKind: String, Codable, Sendable, CaseIterable {
    case gpt2, llama3, qwen2, smollm
    case falcon, deepseekLLM = "deepseek-llm", deepseekCoder = "deepseek-coder"
    case sentencePiece = "sentencepiece"

    /// From GGUF `tokenizer.ggml.pre`. Unknown names are an error with a hint.
    public init(ggufPre name: String) throws {
        switch name {
        case "gpt-2", "gpt2", "phi-2", "mpt", "olmo": self = .gpt2
        case "llama3", "llama-v3", "llama-bpe", "falcon3": self = .llama3
        case "qwen2", "stablelm2": self = .qwen2
        case "smollm", "starcoder", "refact", "command-r": self = .smollm
        case "falcon": self = .falcon
        case "deepseek-llm": self = .deepseekLLM
        case "deepseek-coder": self = .deepseekCoder
        default:
            throw SFTError("unsupported pre-tokenizer '\(name)'",
                           hint: "supported: \(Self.supportedNames); other vocabularies need a new scanner in Tokenizer/PreTokenizer.swift")
        }
    }

    /// The GGUF tokenizer.ggml.pre names accepted, for error hints.
    public static let supportedNames = "gpt-2 (mpt, olmo, phi-2), llama-bpe (Llama-3), qwen2, smollm (starcoder, refact), falcon, deepseek-llm, deepseek-coder, and SentencePiece vocabularies (tokenizer.ggml.model llama)"

    /// llama.cpp sets ignore_merges for Llama-3: a word that is itself a token is not merged from bytes.
    public var ignoresMerges: Bool { self == .llama3 }
}

/// Character classes the regexes use: \p{L}, \p{N}, \s.
@usableFromInline struct ScalarClass {
    static let letter: UInt8 = 1, number: UInt8 = 2, space: UInt8 = 4

    @inline(__always) static func ofASCII(_ c: UInt32) -> UInt8 {
        if (c | 32) >= 97 && (c | 32) <= 122 { return letter }
        if c >= 48 && c <= 57 { return number }
        if c == 32 || (c >= 9 && c <= 13) { return space }
        return 0
    }

    @inline(__always) static func of(_ c: UInt32) -> UInt8 { c < 128 ? ofASCII(c) : classify(c) }

    static func classify(_ c: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(c) else { return 0 }
        let p = s.properties
        if p.isWhitespace { return space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return letter
        case .decimalNumber, .letterNumber, .otherNumber: return number
        default: return 0
        }
    }
}

public enum PreTokenizer {
    /// Word ends (exclusive scalar indices) for `cps`, in order; the last end is cps.count.
    public static func split(_ cps: [UInt32], kind: PreTokenizerKind) -> [Int] {
        let cls = cps.map(ScalarClass.of)
        var out = [Int](repeating: 0, count: cps.count)
        let n = cps.withUnsafeBufferPointer { c in cls.withUnsafeBufferPointer { k in out.withUnsafeMutableBufferPointer { o in
            var sink = EndSink(p: o.baseAddress!, n: 0)
            split(c, k, kind: kind, into: &sink)
            return sink.n
        } } }
        return Array(out.prefix(n))
    }

    /// Word ends written into caller-owned memory (at most one per scalar).
    struct EndSink {
        var p: UnsafeMutablePointer<Int>
        var n: Int
        @inline(__always) mutating func append(_ x: Int) { p[n] = x; n += 1 }
    }

    /// As above with precomputed classes, into caller-owned memory.
    static func split(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, kind: PreTokenizerKind, into ends: inout EndSink) {
        switch kind {
        case .gpt2: gpt2(cps, cls, 0, cps.count, &ends)
        case .llama3: llama3(cps, cls, 0, cps.count, digitRun: 3, &ends)
        case .qwen2: llama3(cps, cls, 0, cps.count, digitRun: 1, &ends)
        case .smollm:
            var start = 0
            for i in 0..<cps.count where cls[i] == ScalarClass.number {
                if start < i { gpt2(cps, cls, start, i, &ends) }
                ends.append(i + 1)
                start = i + 1
            }
            if start < cps.count { gpt2(cps, cls, start, cps.count, &ends) }
        case .falcon, .deepseekLLM, .deepseekCoder: PreTokenizerStages.split(cps, cls, kind: kind, into: &ends)
        case .sentencePiece: if !cps.isEmpty { ends.append(cps.count) }
        }
    }

    @inline(__always) static func lower(_ c: UInt32) -> UInt32 { (c >= 65 && c <= 90) ? c + 32 : c }

    /// Length of a contraction ('s 't 're 've 'm 'll 'd) at `pos`, or 0.
    @inline(__always)
    static func contraction(_ cps: UnsafeBufferPointer<UInt32>, _ pos: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard cps[pos] == 39, pos + 1 < end else { return 0 }
        let n = caseInsensitive ? lower(cps[pos + 1]) : cps[pos + 1]
        if n == 115 || n == 116 || n == 109 || n == 100 { return 2 } // s t m d
        if pos + 2 < end {
            let nn = caseInsensitive ? lower(cps[pos + 2]) : cps[pos + 2]
            if (n == 114 && nn == 101) || (n == 118 && nn == 101) || (n == 108 && nn == 108) { return 3 } // re ve ll
        }
        return 0
    }

    /// gpt2 regex over cps[lo..<hi]; appends word ends.
    static func gpt2(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, _ ends: inout EndSink) {
        @inline(__always) func cl(_ i: Int) -> UInt8 { i < hi ? cls[i] : 0xFF }
        let L = ScalarClass.letter, N = ScalarClass.number, S = ScalarClass.space
        var pos = lo
        while pos < hi {
            let c = cps[pos]
            let k = contraction(cps, pos, hi, caseInsensitive: false)
            if k > 0 { pos += k; ends.append(pos); continue }
            let lead = (c == 32 && pos + 1 < hi) ? cls[pos + 1] : cls[pos]
            if lead == L || lead == N {
                if c == 32 { pos += 1 }
                while cl(pos) == lead { pos += 1 }
                ends.append(pos); continue
            }
            if lead == 0 {   // [^\s\p{L}\p{N}]+
                if c == 32 { pos += 1 }
                while cl(pos) == 0 { pos += 1 }
                ends.append(pos); continue
            }
            var n = 0
            while pos + n < hi && cls[pos + n] == S { n += 1 }
            if n > 1 && pos + n < hi { pos += n - 1; ends.append(pos); continue } // \s+(?!\S)
            pos += max(n, 1)
            ends.append(pos)
        }
    }

    /// llama3 / qwen2 regex over cps[lo..<hi]; digitRun is 3 for \p{N}{1,3}, 1 for \p{N}.
    static func llama3(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, digitRun: Int, _ ends: inout EndSink) {
        @inline(__always) func cl(_ i: Int) -> UInt8 { i < hi ? cls[i] : 0xFF }
        @inline(__always) func isNL(_ i: Int) -> Bool { i < hi && (cps[i] == 10 || cps[i] == 13) }
        let L = ScalarClass.letter, N = ScalarClass.number, S = ScalarClass.space
        var pos = lo
        while pos < hi {
            let c = cps[pos], f = cls[pos]
            let k = contraction(cps, pos, hi, caseInsensitive: true)
            if k > 0 { pos += k; ends.append(pos); continue }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 10 || c == 13 || f == N) && (f == L || cl(pos + 1) == L) {
                pos += 1
                while cl(pos) == L { pos += 1 }
                ends.append(pos); continue
            }
            // \p{N}{1,3} or \p{N}
            if f == N {
                var run = 0
                while cl(pos) == N {
                    pos += 1; run += 1
                    if run == digitRun { ends.append(pos); run = 0 }
                }
                if run > 0 { ends.append(pos) }
                continue
            }
            //  ?[^\s\p{L}\p{N}]+[\r\n]*
            let lead = (c == 32) ? cl(pos + 1) : f
            if lead == 0 {
                if c == 32 { pos += 1 }
                while cl(pos) == 0 { pos += 1 }
                while isNL(pos) { pos += 1 }
                ends.append(pos); continue
            }
            var n = 0, lastNL = -1
            while pos + n < hi && cls[pos + n] == S {
                if cps[pos + n] == 10 || cps[pos + n] == 13 { lastNL = pos + n + 1 }
                n += 1
            }
            if lastNL > 0 { pos = lastNL; ends.append(pos); continue }           // \s*[\r\n]+
            if n > 1 && pos + n < hi { pos += n - 1; ends.append(pos); continue } // \s+(?!\S)
            pos += max(n, 1)                                                       // \s+ (or no match: one scalar)
            ends.append(pos)
        }
    }
}
