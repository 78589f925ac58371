// GGUFTokenizerExport: the `tokenizer.*` GGUF keys of a model loaded from an HF directory, so `export gguf` and
// `export ollama` work for it as for a GGUF-loaded model (which copies its source file's keys). The keys are the
// ones llama.cpp's convert_hf_to_gguf.py writes:
//   byte-level BPE     tokenizer.ggml.model "gpt2", pre (llama.cpp's name of the pre-tokenizer), tokens,
//                      token_type, merges ("left right" in rank order)
//   SentencePiece BPE  tokenizer.ggml.model "llama", tokens, token_type, scores, add_space_prefix; a token made by
//                      the merge of rank r scores -r (llama.cpp merges the highest score first, so the order is the
//                      merges list's), every other token 0
//   both               bos/eos ids, add_bos_token, and tokenizer.chat_template
// The vocabulary is padded to the embedding's rows with "[PAD<i>]" tokens of type unused, as the converter does.
// Tested by loading the written GGUF back (SessionModelTests: the same ids as the HF directory and as the
// converter-made GGUF).
import Foundation

public enum GGUFTokenizerExport {
    /// The tokenizer keys a GGUF export of `model` carries: the source file's own when it was loaded from GGUF,
    /// else written from its tokenizer and the directory's chat template.
    public static func metadata(for model: ChatModel) throws -> [(String, GGUFValue)] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDir), isDir.boolValue else {
            return try GGUFFile(path: model.path).tokenizerMetadata
        }
        return metadata(model.tokenizer, vocabRows: model.config.vocabSize,
                        chatTemplate: try ChatModel.chatTemplateText(hfDirectory: model.path))
    }

    /// Metadata for `tokenizer` (vocabulary padded to `vocabRows`), with the chat template text when there is one.
    public static func metadata(_ tokenizer: BPETokenizer, vocabRows: Int, chatTemplate: String?) -> [(String, GGUFValue)] {
        var tokens = tokenizer.tokens, types = tokenizer.tokenTypes.map { $0.rawValue }
        for i in tokens.count..<max(tokens.count, vocabRows) { tokens.append("[PAD\(i)]"); types.append(TokenType.unused.rawValue) }
        var meta: [(String, GGUFValue)] = []
        if let sp = tokenizer.sentencePiece {
            // minus the lowest merge rank that makes each token
            var scores = [Float](repeating: 0, count: tokens.count)
            var made = [Bool](repeating: false, count: tokens.count)
            for v in sp.pairs.values {
                let rank = Float(v >> 32), m = Int(UInt32(truncatingIfNeeded: v))
                if !made[m] || -rank > scores[m] { scores[m] = -rank; made[m] = true }
            }
            meta.append(("tokenizer.ggml.model", .string("llama")))
            meta.append(("tokenizer.ggml.tokens", .array(elementType: 8, tokens.map { .string($0) })))
            meta.append(("tokenizer.ggml.scores", .array(elementType: 6, scores.map { .float32($0) })))
            meta.append(("tokenizer.ggml.token_type", .array(elementType: 5, types.map { .int32($0) })))
            meta.append(("tokenizer.ggml.add_space_prefix", .bool(sp.spacePrefix != .none)))
            if let unk = sp.unknownId { meta.append(("tokenizer.ggml.unknown_token_id", .uint32(UInt32(unk)))) }
        } else {
            let merges = tokenizer.mergeRanks.sorted { $0.value >> 32 < $1.value >> 32 }.map { entry in
                tokenizer.tokens[Int(entry.key >> 32)] + " " + tokenizer.tokens[Int(UInt32(truncatingIfNeeded: entry.key))]
            }
            meta.append(("tokenizer.ggml.model", .string("gpt2")))
            meta.append(("tokenizer.ggml.pre", .string(tokenizer.preTokenizer.ggufName)))
            meta.append(("tokenizer.ggml.tokens", .array(elementType: 8, tokens.map { .string($0) })))
            meta.append(("tokenizer.ggml.token_type", .array(elementType: 5, types.map { .int32($0) })))
            meta.append(("tokenizer.ggml.merges", .array(elementType: 8, merges.map { .string($0) })))
        }
        if let bos = tokenizer.bosId { meta.append(("tokenizer.ggml.bos_token_id", .uint32(UInt32(bos)))) }
        if let eos = tokenizer.eosId { meta.append(("tokenizer.ggml.eos_token_id", .uint32(UInt32(eos)))) }
        // llama.cpp adds BOS itself where the vocabulary asks: SentencePiece models (Llama-2, Gemma) and Llama-3 do
        // (their tokenizers add it to every text); Qwen and SmolLM2 never add one
        let addsBOS = tokenizer.bosId != nil && (tokenizer.sentencePiece != nil || tokenizer.preTokenizer == .llama3)
        meta.append(("tokenizer.ggml.add_bos_token", .bool(addsBOS)))
        if let chatTemplate { meta.append(("tokenizer.chat_template", .string(chatTemplate))) }
        return meta
    }
}

extension PreTokenizerKind {
    /// llama.cpp's tokenizer.ggml.pre name (read back by init(ggufPre:)).
    public var ggufName: String {
        switch self {
        case .gpt2: "gpt-2"
        case .llama3: "llama-bpe"
        case .qwen2: "qwen2"
        case .smollm: "smollm"
        case .falcon: "falcon"
        case .deepseekLLM: "deepseek-llm"
        case .deepseekCoder: "deepseek-coder"
        case .sentencePiece: "default"
        }
    }
}
