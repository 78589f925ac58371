// TokenizerMetadata: builds a BPETokenizer from GGUF-style key/value metadata through a small protocol,
// so the GGUF reader (Formats/) only has to conform; this file knows the `tokenizer.ggml.*` keys, not the format.
// Two vocabulary models are read: "gpt2" (byte-level BPE with merges) and "llama" (SentencePiece-style BPE with
// scores and byte fallback, SentencePiece.swift); anything else is an error naming those.

/// What a GGUF metadata table offers; the GGUF reader conforms to this.
public protocol TokenizerMetadataSource {
    func string(_ key: String) -> String?
    func stringArray(_ key: String) -> [String]?
    func int(_ key: String) -> Int?
    func intArray(_ key: String) -> [Int]?
    func floatArray(_ key: String) -> [Double]?
    func bool(_ key: String) -> Bool?
}

extension BPETokenizer {
    /// From GGUF metadata: tokenizer.ggml.{model,pre,tokens,merges,scores,token_type,bos_token_id,eos_token_id,
    /// unknown_token_id,add_space_prefix}. `source` names the file in errors.
    public static func fromGGUF(_ meta: TokenizerMetadataSource, source: String? = nil) throws -> BPETokenizer {
        let model = meta.string("tokenizer.ggml.model") ?? "gpt2"
        guard model == "gpt2" || model == "llama" else {
            throw SFTError("tokenizer model '\(model)' is not supported",
                           hint: "sft reads byte-level BPE (tokenizer.ggml.model gpt2: SmolLM2, Qwen, Llama-3) and SentencePiece-style BPE (llama: Llama-2, TinyLlama, Mistral, Phi-3, Gemma)",
                           file: source)
        }
        guard let tokens = meta.stringArray("tokenizer.ggml.tokens") else {
            throw SFTError("no tokenizer.ggml.tokens in the file", hint: "this GGUF has no vocabulary; use a model file exported with its tokenizer", file: source)
        }
        let types = meta.intArray("tokenizer.ggml.token_type").map { $0.map { Int32(truncatingIfNeeded: $0) } }
        let bos = meta.int("tokenizer.ggml.bos_token_id").map { Int32(truncatingIfNeeded: $0) }
        let eos = meta.int("tokenizer.ggml.eos_token_id").map { Int32(truncatingIfNeeded: $0) }
        do {
            if model == "llama" {
                guard let scores = meta.floatArray("tokenizer.ggml.scores") else {
                    throw SFTError("no tokenizer.ggml.scores in the file", hint: "a SentencePiece vocabulary ranks its merges by score; re-export the model with llama.cpp's convert script")
                }
                // llama.cpp puts a space before text unless the file says otherwise (Gemma says false).
                let prefix = meta.bool("tokenizer.ggml.add_space_prefix") ?? true
                return try BPETokenizer(tokens: tokens, merges: [(String, String)](), tokenTypes: types, preTokenizer: .sentencePiece,
                                        bosId: bos, eosId: eos, scores: scores.map { Float($0) },
                                        spacePrefix: prefix ? .everySegment : .none,
                                        unknownId: meta.int("tokenizer.ggml.unknown_token_id").map { Int32(truncatingIfNeeded: $0) })
            }
            guard let merges = meta.stringArray("tokenizer.ggml.merges") else {
                throw SFTError("no tokenizer.ggml.merges in the file", hint: "byte-level BPE needs merges; re-export the model with llama.cpp's convert script")
            }
            let pre = try PreTokenizerKind(ggufPre: meta.string("tokenizer.ggml.pre") ?? "gpt-2")
            return try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre, bosId: bos, eosId: eos)
        } catch var e as SFTError {
            if e.file == nil { e.file = source }
            throw e
        }
    }
}
