// HFTokenizerExport: an HF tokenizer.json (byte-level BPE) from a GGUF's tokenizer keys, so `export merged`
// of a GGUF-loaded model gives a directory transformers loads with its tokenizer. Vocabulary and merges come
// from tokenizer.ggml.tokens / tokenizer.ggml.merges; control and user-defined tokens become added_tokens
// (special); the pre_tokenizer is the HF JSON of sft's PreTokenizerKind (the same shapes TokenizerJSON.swift
// recognises when reading). Tested by reading it back with fromTokenizerJSON and comparing encodings.
import Foundation

public enum HFTokenizerExport {
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// tokenizer.json bytes for `tokenizer`, with merges from the GGUF at `ggufPath`.
    public static func tokenizerJSON(_ tokenizer: BPETokenizer, ggufPath: String) throws -> Data {
        let g = try GGUFFile(path: ggufPath)
        guard let merges = g.stringArray("tokenizer.ggml.merges") else {
            throw SFTError("the GGUF has no tokenizer.ggml.merges", hint: "only byte-level BPE tokenizers export", file: ggufPath)
        }
        var vocab: [String: Int] = [:]
        for (i, t) in tokenizer.tokens.enumerated() { vocab[t] = i }
        var added: [[String: Any]] = []
        for (i, t) in tokenizer.tokens.enumerated() where [.control, .userDefined].contains(tokenizer.tokenTypes[i]) {
            added.append(["id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": tokenizer.tokenTypes[i] == .control || tokenizer.isSpecial(Int32(i))])
        }
        func byteLevel(_ regex: Bool) -> [String: Any] {
            ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": regex]
        }
        func split(_ r: String) -> [String: Any] {
            ["type": "Split", "pattern": ["Regex": r], "behavior": "Isolated", "invert": false]
        }
        let pre: [String: Any]
        switch tokenizer.preTokenizer {
        case .gpt2: pre = byteLevel(true)
        case .smollm: pre = ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true], byteLevel(true)]]
        case .llama3: pre = ["type": "Sequence", "pretokenizers": [split(llama3Regex), byteLevel(false)]]
        case .qwen2: pre = ["type": "Sequence", "pretokenizers": [split(qwen2Regex), byteLevel(false)]]
        case .falcon, .deepseekLLM, .deepseekCoder, .sentencePiece:
            throw SFTError("writing a tokenizer.json for the \(tokenizer.preTokenizer.rawValue) tokenizer is not supported yet",
                           hint: "export from an HF model directory, whose tokenizer.json is copied as it is")
        }
        let model: [String: Any] = [
            "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
            "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": tokenizer.ignoreMerges, "vocab": vocab, "merges": merges,
        ]
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": pre, "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true], "model": model,
        ]
        do { return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]) } catch {
            throw SFTError("cannot encode tokenizer.json: \(error)")
        }
    }
}
