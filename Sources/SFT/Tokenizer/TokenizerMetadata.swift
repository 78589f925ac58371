// TokenizerMetadata: builds a BPETokenizer from GGUF-style key/value metadata through a small protocol,
// so the GGUF reader (Formats/) only has to conform; this file knows the `tokenizer.ggml.*` keys, not the format.

/// What a GGUF metadata table offers; the GGUF reader conforms to this.
public protocol TokenizerMetadataSource {
    func string(_ key: String) -> String?
    func stringArray(_ key: String) -> [String]?
    func int(_ key: String) -> Int?
    func intArray(_ key: String) -> [Int]?
}

extension BPETokenizer {
    /// From GGUF metadata: tokenizer.ggml.{model,pre,tokens,merges,token_type,bos_token_id,eos_token_id}.
    /// `source` names the file in errors.
    public static func fromGGUF(_ meta: TokenizerMetadataSource, source: String? = nil) throws -> BPETokenizer {
        let model = meta.string("tokenizer.ggml.model") ?? "gpt2"
        guard model == "gpt2" else {
            throw SFTError("tokenizer model '\(model)' is not byte-level BPE", hint: "sft supports GPT-2 style byte-level BPE vocabularies (SmolLM2, Qwen2, Llama-3)", file: source)
        }
        guard let tokens = meta.stringArray("tokenizer.ggml.tokens") else {
            throw SFTError("no tokenizer.ggml.tokens in the file", hint: "this GGUF has no vocabulary; use a model file exported with its tokenizer", file: source)
        }
        guard let merges = meta.stringArray("tokenizer.ggml.merges") else {
            throw SFTError("no tokenizer.ggml.merges in the file", hint: "byte-level BPE needs merges; re-export the model with llama.cpp's convert script", file: source)
        }
        let pre = try PreTokenizerKind(ggufPre: meta.string("tokenizer.ggml.pre") ?? "gpt-2")
        let types = meta.intArray("tokenizer.ggml.token_type").map { $0.map { Int32(truncatingIfNeeded: $0) } }
        do {
            return try BPETokenizer(tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: pre,
                                    bosId: meta.int("tokenizer.ggml.bos_token_id").map { Int32($0) },
                                    eosId: meta.int("tokenizer.ggml.eos_token_id").map { Int32($0) })
        } catch var e as SFTError {
            if e.file == nil { e.file = source }
            throw e
        }
    }
}
