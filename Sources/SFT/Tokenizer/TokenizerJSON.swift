// TokenizerJSON: builds a BPETokenizer from a Hugging Face tokenizer.json (model.vocab, model.merges as "a b" or
// ["a","b"], added_tokens with their special flag, pre_tokenizer). Only byte-level BPE with the pre-tokenizers in
// PreTokenizer.swift is accepted; anything else is an SFTError naming what was found.
import Foundation

extension BPETokenizer {
    public static func fromTokenizerJSON(path: String) throws -> BPETokenizer {
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
        for (tok, v) in vocab {
            guard let id = (v as? NSNumber)?.intValue, id >= 0 else {
                throw SFTError("vocab entry '\(tok)' has no integer id", file: path)
            }
            // Ids index an array of vocabulary size: one past the number of entries is a gap, never a token.
            if id >= vocab.count + addedCount {
                throw SFTError("vocab entry '\(tok)' has id \(id), past the \(vocab.count + addedCount) tokens in the file",
                               hint: "the tokenizer.json is damaged", file: path)
            }
            byId[id] = tok
            maxId = max(maxId, id)
        }
        var special: [String] = [], added: [String] = []
        for a in addedTokens {
            guard let content = a["content"] as? String, let id = (a["id"] as? NSNumber)?.intValue, id >= 0 else { continue }
            if id >= vocab.count + addedCount {
                throw SFTError("added token '\(content)' has id \(id), past the \(vocab.count + addedCount) tokens in the file",
                               hint: "the tokenizer.json is damaged", file: path)
            }
            byId[id] = content
            maxId = max(maxId, id)
            if (a["special"] as? Bool) ?? false { special.append(content) } else { added.append(content) }
        }
        var tokens = [String](repeating: "", count: maxId + 1)
        for (id, t) in byId { tokens[id] = t }
        if byId.count != maxId + 1 {
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
        let pre = try preTokenizerKind(root["pre_tokenizer"], path: path)
        let ignore = (model["ignore_merges"] as? Bool) ?? false
        return try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: nil, preTokenizer: pre,
                                specialTokens: special, addedTokens: added, ignoreMerges: ignore)
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
            throw SFTError("unsupported pre-tokenizer regex \(regex)", hint: "supported: GPT-2, SmolLM, Llama-3 and Qwen2 pre-tokenizers", file: path)
        }
        if byteLevelRegex { return digits ? .smollm : .gpt2 }
        throw SFTError("unsupported pre_tokenizer '\(type)'", hint: "supported: GPT-2, SmolLM, Llama-3 and Qwen2 pre-tokenizers", file: path)
    }
}
