// HFTokenizerExport: the HF tokenizer files of a GGUF-loaded model, so `export merged` gives a directory transformers
// loads with AutoTokenizer: tokenizer.json (byte-level BPE here; SentencePiece-style BPE in
// HFTokenizerJSONSentencePiece.swift) and tokenizer_config.json (class, special tokens, BOS/EOS adding, the chat
// template). Byte-level: vocabulary and merges from tokenizer.ggml.tokens / tokenizer.ggml.merges; control and
// user-defined tokens become added_tokens (special); the pre_tokenizer is the HF JSON of sft's PreTokenizerKind (the
// same shapes TokenizerJSON.swift recognises when reading). Tested by reading the files back with fromTokenizerJSON
// and comparing encodings (and, with the reference Python, through transformers' AutoTokenizer).
import Foundation

public enum HFTokenizerExport {
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// tokenizer.json and tokenizer_config.json for `tokenizer`, read from the GGUF at `ggufPath` (merges, special
    /// token ids, BOS/EOS flags, chat template). `maxPositions` becomes model_max_length.
    public static func files(_ tokenizer: BPETokenizer, ggufPath: String, maxPositions: Int) throws -> [(name: String, data: Data)] {
        let g = try GGUFFile(path: ggufPath)
        return [("tokenizer.json", try tokenizerJSON(tokenizer, gguf: g, path: ggufPath)),
                ("tokenizer_config.json", try tokenizerConfig(tokenizer, gguf: g, maxPositions: maxPositions))]
    }

    /// tokenizer.json bytes for `tokenizer`, with merges from the GGUF at `ggufPath`.
    public static func tokenizerJSON(_ tokenizer: BPETokenizer, ggufPath: String) throws -> Data {
        try tokenizerJSON(tokenizer, gguf: try GGUFFile(path: ggufPath), path: ggufPath)
    }

    static func tokenizerJSON(_ tokenizer: BPETokenizer, gguf g: GGUFFile, path: String) throws -> Data {
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
        case .sentencePiece:
            return try sentencePieceJSON(tokenizer, addBOS: addsBOS(tokenizer, g), addEOS: g.bool("tokenizer.ggml.add_eos_token") ?? false)
        case .falcon, .deepseekLLM, .deepseekCoder:
            throw SFTError("writing a tokenizer.json for the \(tokenizer.preTokenizer.rawValue) tokenizer is not supported yet",
                           hint: "export from an HF model directory, whose tokenizer.json is copied as it is")
        }
        guard let merges = g.stringArray("tokenizer.ggml.merges") else {
            throw SFTError("the GGUF has no tokenizer.ggml.merges", hint: "only byte-level BPE tokenizers export", file: path)
        }
        var vocab: [String: Int] = [:]
        for (i, t) in tokenizer.tokens.enumerated() { vocab[t] = i }
        var added: [[String: Any]] = []
        for (i, t) in tokenizer.tokens.enumerated() where [.control, .userDefined].contains(tokenizer.tokenTypes[i]) {
            added.append(["id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": tokenizer.tokenTypes[i] == .control || tokenizer.isSpecial(Int32(i))])
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
        return try json(root)
    }

    /// Whether the runtime puts BOS before a text: the GGUF's tokenizer.ggml.add_bos_token, else llama.cpp's default
    /// (SentencePiece vocabularies yes, byte-level no).
    static func addsBOS(_ tokenizer: BPETokenizer, _ g: GGUFFile) -> Bool {
        tokenizer.bosId != nil && (g.bool("tokenizer.ggml.add_bos_token") ?? (tokenizer.preTokenizer == .sentencePiece))
    }

    /// tokenizer_config.json: PreTrainedTokenizerFast over tokenizer.json (which holds the whole behaviour), the
    /// special tokens by text, and the chat template the GGUF carries. SentencePiece vocabularies also say whether
    /// BOS/EOS are added (tokenizer.json's post_processor does the adding).
    static func tokenizerConfig(_ tokenizer: BPETokenizer, gguf g: GGUFFile, maxPositions: Int) throws -> Data {
        func token(_ key: String) -> String? {
            g.int(key).flatMap { $0 >= 0 && $0 < tokenizer.tokens.count ? tokenizer.tokens[$0] : nil }
        }
        var tc: [String: Any] = ["model_max_length": maxPositions, "tokenizer_class": "PreTrainedTokenizerFast",
                                 "clean_up_tokenization_spaces": false]
        if let t = g.string("tokenizer.chat_template") { tc["chat_template"] = t }
        if let t = token("tokenizer.ggml.bos_token_id") { tc["bos_token"] = t }
        if let t = token("tokenizer.ggml.eos_token_id") { tc["eos_token"] = t }
        if let t = token("tokenizer.ggml.padding_token_id") { tc["pad_token"] = t }
        if tokenizer.preTokenizer == .sentencePiece {
            if let t = token("tokenizer.ggml.unknown_token_id") { tc["unk_token"] = t }
            tc["add_bos_token"] = addsBOS(tokenizer, g)
            tc["add_eos_token"] = g.bool("tokenizer.ggml.add_eos_token") ?? false
        }
        return try json(tc, pretty: true)
    }

    static func json(_ object: Any, pretty: Bool = false) throws -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        do {
            return try JSONSerialization.data(withJSONObject: object, options: options)
        } catch {
            throw SFTError("cannot encode tokenizer JSON: \(error)")
        }
    }
}
