// TokenizerJSON: builds a BPETokenizer from a Hugging Face tokenizer.json (model.vocab, model.merges as "a b" or
// ["a","b"], added_tokens with their special flag, pre_tokenizer). Byte-level BPE with the pre-tokenizers in
// PreTokenizer.swift, and SentencePiece-style BPE (byte_fallback, "▁" from a Metaspace pre-tokenizer or the
// Replace/Prepend normalizers) are accepted; anything else is an SFTError naming what was found.
import Foundation

extension BPETokenizer {
    /// `bosToken`/`eosToken`: the names tokenizer_config.json gives (tokenizer.json itself does not say which added
    /// token is BOS or EOS); a name the vocabulary lacks is left unset (transformers would append it as a new token,
    /// which has no row in the model's embedding).
    public static func fromTokenizerJSON(path: String, bosToken: String? = nil, eosToken: String? = nil) throws -> BPETokenizer {
        let data = try RegularFile.read(path, limit: 256 << 20, what: "tokenizer.json")
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SFTError("not a JSON object", hint: "expected a Hugging Face tokenizer.json", file: path)
        }
        guard let model = root["model"] as? [String: Any], (model["type"] as? String ?? "BPE") == "BPE",
              let vocab = model["vocab"] as? [String: Any] else {
            throw SFTError("tokenizer.json has no BPE model.vocab", hint: "only byte-level BPE tokenizers are supported", file: path)
        }
        var maxId = -1
        var byId: [Int: String] = [:]
        let addedTokens = root["added_tokens"] as? [[String: Any]] ?? []
        let addedCount = addedTokens.count
        // Ids missing from the vocabulary become unused placeholders; the slack bounds how far an id may point past
        // the entries the file holds.
        let slack = 64 + (vocab.count + addedCount) / 100
        let limit = vocab.count + addedCount + slack
        // Swift dictionaries fold canonically equivalent keys ("Å" U+00C5 and U+212B); read the pairs from the bytes.
        let pairs: [(String, Any)] = JSONVocabScan.pairs([UInt8](data)).map { $0.map { ($0.0, NSNumber(value: $0.1) as Any) } }
            ?? vocab.map { ($0.key, $0.value) }
        for (tok, v) in pairs {
            guard let id = (v as? NSNumber)?.intValue, id >= 0 else {
                throw SFTError("vocab entry '\(tok)' has no integer id", file: path)
            }
            // Ids index an array of vocabulary size: one past the number of entries is a gap, never a token.
            if id >= limit {
                throw SFTError("vocab entry '\(tok)' has id \(id), past the \(vocab.count + addedCount) tokens in the file",
                               hint: "the tokenizer.json is damaged", file: path)
            }
            byId[id] = tok
            maxId = max(maxId, id)
        }
        var special: [String] = [], added: [String] = []
        for a in addedTokens {
            guard let content = a["content"] as? String, let id = (a["id"] as? NSNumber)?.intValue, id >= 0 else { continue }
            if id >= limit {
                throw SFTError("added token '\(content)' has id \(id), past the \(vocab.count + addedCount) tokens in the file",
                               hint: "the tokenizer.json is damaged", file: path)
            }
            byId[id] = content
            maxId = max(maxId, id)
            if (a["special"] as? Bool) ?? false { special.append(content) } else { added.append(content) }
        }
        var tokens = [String](repeating: "", count: maxId + 1)
        var types = [Int32](repeating: TokenType.unused.rawValue, count: maxId + 1)
        for (id, t) in byId { tokens[id] = t; types[id] = TokenType.normal.rawValue }
        if byId.count + slack < maxId + 1 {
            throw SFTError("vocabulary ids have gaps (\(byId.count) tokens, max id \(maxId))", hint: "the tokenizer.json is incomplete", file: path)
        }
        var merges: [(String, String)] = []
        for (i, m) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let s = m as? String, let sp = s.firstIndex(of: " ") {
                merges.append((String(s[..<sp]), String(s[s.index(after: sp)...])))
            } else if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw SFTError("merge \(i) is neither \"a b\" nor [\"a\", \"b\"]", file: path)
            }
        }
        func id(_ name: String?) -> Int32? { name.flatMap { n in tokens.firstIndex(of: n) }.map { Int32($0) } }
        let (bos, eos) = (id(bosToken), id(eosToken))
        if let prefix = try sentencePiecePrefix(root, model: model, path: path) {
            let unk = (model["unk_token"] as? String).flatMap { u in tokens.firstIndex(of: u) }.map { Int32($0) }
            return try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: .sentencePiece,
                                    specialTokens: special, addedTokens: added, bosId: bos, eosId: eos, spacePrefix: prefix, unknownId: unk)
        }
        let pre = try preTokenizerKind(root["pre_tokenizer"], path: path)
        let ignore = (model["ignore_merges"] as? Bool) ?? false
        return try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre,
                                specialTokens: special, addedTokens: added, bosId: bos, eosId: eos, ignoreMerges: ignore)
    }

    /// For a SentencePiece-style tokenizer.json (BPE with byte_fallback, spaces written "▁"), where the "▁" prefix
    /// goes; nil for byte-level ones. Shapes: Llama-2/Mistral "legacy" (normalizer Prepend("▁") + Replace(" ", "▁"),
    /// no pre_tokenizer), transformers' LlamaTokenizer (Metaspace with prepend_scheme, split false), Gemma
    /// (normalizer Replace(" ", "▁") only).
    static func sentencePiecePrefix(_ root: [String: Any], model: [String: Any], path: String) throws -> SpacePrefix? {
        func steps(_ j: Any?, _ list: String) -> [[String: Any]] {
            guard let o = j as? [String: Any] else { return [] }
            return o["type"] as? String == "Sequence" ? (o[list] as? [[String: Any]] ?? []) : [o]
        }
        let norms = steps(root["normalizer"], "normalizers"), pres = steps(root["pre_tokenizer"], "pretokenizers")
        let replacesSpace = norms.contains { $0["type"] as? String == "Replace" && $0["content"] as? String == "▁"
            && ($0["pattern"] as? [String: Any])?["String"] as? String == " " }
        let prepends = norms.contains { $0["type"] as? String == "Prepend" && $0["prepend"] as? String == "▁" }
        let metaspace = pres.first { $0["type"] as? String == "Metaspace" }
        guard (model["byte_fallback"] as? Bool) == true || replacesSpace || metaspace != nil else { return nil }
        if let m = metaspace {
            if (m["split"] as? Bool) ?? true {
                throw SFTError("tokenizer.json's Metaspace pre-tokenizer splits words (split: true)",
                               hint: "sft reads SentencePiece tokenizers that merge the whole text (Llama-2, Mistral, Phi-3, Gemma: split false)", file: path)
            }
            switch m["prepend_scheme"] as? String ?? ((m["add_prefix_space"] as? Bool) == false ? "never" : "always") {
            case "always": return .unlessSpace
            case "first": return .firstSegment
            case "never": return SpacePrefix.none
            case let other:
                throw SFTError("unknown Metaspace prepend_scheme '\(other)'", hint: "expected always, first or never", file: path)
            }
        }
        guard replacesSpace else {
            throw SFTError("tokenizer.json has byte_fallback but writes spaces neither with Metaspace nor with a Replace(\" \", \"▁\") normalizer",
                           hint: "sft reads SentencePiece-style tokenizers of Llama-2, Mistral, Phi-3 and Gemma", file: path)
        }
        // Gemma's tokenizer.json also splits on " " after the normalizer has replaced every space: a step that never
        // matches, so it changes nothing.
        let noOpSplit: ([String: Any]) -> Bool = {
            $0["type"] as? String == "Split" && ($0["pattern"] as? [String: Any])?["String"] as? String == " "
        }
        if !pres.allSatisfy(noOpSplit) {
            throw SFTError("unsupported pre_tokenizer '\(pres.first?["type"] as? String ?? "?")' on a SentencePiece-style tokenizer",
                           hint: "sft reads SentencePiece tokenizers that merge the whole text", file: path)
        }
        return prepends ? .everySegment : SpacePrefix.none
    }

    /// Recognises the pre_tokenizer JSON of GPT-2 (ByteLevel with regex), SmolLM (Digits individual + ByteLevel),
    /// Llama-3 and Qwen2 (Split regex + ByteLevel without regex).
    static func preTokenizerKind(_ json: Any?, path: String) throws -> PreTokenizerKind {
        guard let pt = json as? [String: Any], let type = pt["type"] as? String else {
            throw SFTError("tokenizer.json has no pre_tokenizer", hint: "only byte-level BPE tokenizers are supported", file: path)
        }
        let steps: [[String: Any]] = type == "Sequence" ? (pt["pretokenizers"] as? [[String: Any]] ?? []) : [pt]
        var digits = false, byteLevelRegex = false
        var regex: String? = nil
        for s in steps {
            switch s["type"] as? String {
            case "Digits": digits = (s["individual_digits"] as? Bool) ?? false
            case "ByteLevel": byteLevelRegex = (s["use_regex"] as? Bool) ?? true
            case "Split": regex = (s["pattern"] as? [String: Any])?["Regex"] as? String
            default: break
            }
        }
        if let regex {
            if regex.contains("\\p{N}{1,3}") { return .llama3 }
            if regex.contains("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|") { return .qwen2 }
            throw SFTError("unsupported pre-tokenizer regex \(regex)", hint: "supported: GPT-2, SmolLM, Llama-3 and Qwen2 byte-level pre-tokenizers, and SentencePiece-style tokenizers", file: path)
        }
        if byteLevelRegex { return digits ? .smollm : .gpt2 }
        throw SFTError("unsupported pre_tokenizer '\(type)'", hint: "supported: GPT-2, SmolLM, Llama-3 and Qwen2 byte-level pre-tokenizers, and SentencePiece-style tokenizers", file: path)
    }
}
