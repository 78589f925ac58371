// The tokenizer.json of a SentencePiece-style vocabulary (Llama-2, TinyLlama, Mistral, Phi-3, Gemma), in the shape
// transformers' own conversion gives Llama-2: a BPE model with byte_fallback and <unk>, the "▁" space handling the
// source had (normalizer Prepend("▁") + Replace(" ", "▁") for llama.cpp's add_space_prefix, Replace only for Gemma,
// or the Metaspace pre-tokenizer a tokenizer.json source had), control / user-defined / unknown tokens as
// added_tokens, a decoder that turns "▁" back into spaces and <0xNN> tokens into bytes, and a TemplateProcessing
// post-processor that puts BOS (and EOS when the GGUF says so) around a text.
//
// Merges: a GGUF ranks pairs by score (llama.cpp merges the adjacent pair whose concatenation has the highest score;
// every split of a token into two tokens is such a pair). They are written in the order sft ranks them
// (SentencePieceModel.pairs): by score, highest first (as transformers' GGUF converter orders them), then by the
// merged token's id and the left piece's id. Pairs of equal score get ranks by their place in the list, where
// llama.cpp takes the leftmost in the text; that differs only when two different tokens share a score and compete in
// one text (Llama's scores are distinct), which the round trip over llama.cpp's llama-spm vectors checks. Merges never
// make control or byte tokens. A tokenizer.json source keeps its own merge order.
//
// The JSON is written by hand: a Swift dictionary folds canonically equal keys ("Å" U+00C5 and U+212B) into one,
// so the vocabulary is written in id order from the token strings' bytes (read back with JSONVocabScan).
import Foundation

extension HFTokenizerExport {
    static func sentencePieceJSON(_ tokenizer: BPETokenizer, addBOS: Bool, addEOS: Bool) throws -> Data {
        guard let sp = tokenizer.sentencePiece else {
            throw SFTError("the tokenizer is not SentencePiece-style", hint: "byte-level tokenizers export through HFTokenizerExport.tokenizerJSON")
        }
        let tokens = tokenizer.tokens, types = tokenizer.tokenTypes
        var seen = [[UInt8]: Int](minimumCapacity: tokens.count)
        for (i, t) in tokens.enumerated() {
            if let first = seen.updateValue(i, forKey: Array(t.utf8)) {
                throw SFTError("token '\(t)' appears twice in the vocabulary (ids \(first) and \(i)); a tokenizer.json holds each text once",
                               hint: "export from the model's HF directory, whose tokenizer.json is copied as it is")
            }
        }

        // Merges in rank order: (rank, merged id, left id) sorts them; pairs hold (left << 32 | right) -> (rank << 32 | merged).
        var merges: [(rank: UInt64, merged: Int, left: Int, right: Int)] = []
        merges.reserveCapacity(sp.pairs.count)
        for (key, value) in sp.pairs {
            let merged = Int(value & 0xFFFF_FFFF)
            guard types[merged] != .control, types[merged] != .byte else { continue }
            merges.append((value >> 32, merged, Int(key >> 32), Int(key & 0xFFFF_FFFF)))
        }
        merges.sort { ($0.rank, $0.merged, $0.left) < ($1.rank, $1.merged, $1.left) }

        var added: [[String: Any]] = []
        for (i, t) in tokens.enumerated() where [.control, .userDefined, .unknown].contains(types[i]) {
            added.append(["id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": types[i] != .userDefined || tokenizer.isSpecial(Int32(i))])
        }
        let replaceSpace: [String: Any] = ["type": "Replace", "pattern": ["String": " "], "content": "▁"]
        func metaspace(_ scheme: String) -> [String: Any] {
            ["type": "Metaspace", "replacement": "▁", "prepend_scheme": scheme, "split": false]
        }
        var normalizer: [String: Any]?, pre: [String: Any]?
        switch sp.spacePrefix {
        case .everySegment: normalizer = ["type": "Sequence", "normalizers": [["type": "Prepend", "prepend": "▁"], replaceSpace]]
        case SpacePrefix.none: normalizer = replaceSpace
        case .unlessSpace: pre = metaspace("always")
        case .firstSegment: pre = metaspace("first")
        }
        var decoders: [[String: Any]] = [["type": "Replace", "pattern": ["String": "▁"], "content": " "],
                                         ["type": "ByteFallback"], ["type": "Fuse"]]
        if sp.spacePrefix != SpacePrefix.none { decoders.append(["type": "Strip", "content": " ", "start": 1, "stop": 0]) }

        var post: [String: Any]?
        let bos = addBOS ? tokenizer.bosId : nil, eos = addEOS ? tokenizer.eosId : nil
        if bos != nil || eos != nil {
            func special(_ id: Int32?, _ typeId: Int) -> [[String: Any]] {
                id.map { [["SpecialToken": ["id": tokens[Int($0)], "type_id": typeId]]] } ?? []
            }
            func sequence(_ name: String, _ typeId: Int) -> [[String: Any]] { [["Sequence": ["id": name, "type_id": typeId]]] }
            var specials: [String: Any] = [:]
            for id in [bos, eos].compactMap({ $0 }) { specials[tokens[Int(id)]] = ["id": tokens[Int(id)], "ids": [Int(id)], "tokens": [tokens[Int(id)]]] }
            post = ["type": "TemplateProcessing",
                    "single": special(bos, 0) + sequence("A", 0) + special(eos, 0),
                    "pair": special(bos, 0) + sequence("A", 0) + special(eos, 0) + special(bos, 1) + sequence("B", 1) + special(eos, 1),
                    "special_tokens": specials]
        }

        let unk = sp.unknownId.map { jsonStringLiteral(tokens[Int($0)]) } ?? "null"
        var out = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
        out += "\"added_tokens\":" + String(decoding: try json(added), as: UTF8.self) + ","
        func object(_ o: [String: Any]?) throws -> String { try o.map { String(decoding: try json($0), as: UTF8.self) } ?? "null" }
        out += "\"normalizer\":" + (try object(normalizer)) + ","
        out += "\"pre_tokenizer\":" + (try object(pre)) + ","
        out += "\"post_processor\":" + (try object(post)) + ","
        out += "\"decoder\":" + String(decoding: try json(["type": "Sequence", "decoders": decoders]), as: UTF8.self) + ","
        out += "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\(unk),\"continuing_subword_prefix\":null,"
        out += "\"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":true,\"ignore_merges\":false,\n\"vocab\":{\n"
        for (i, t) in tokens.enumerated() { out += jsonStringLiteral(t) + ":" + String(i) + (i + 1 < tokens.count ? ",\n" : "\n") }
        out += "},\n\"merges\":[\n"
        for (k, m) in merges.enumerated() {
            out += "[" + jsonStringLiteral(tokens[m.left]) + "," + jsonStringLiteral(tokens[m.right]) + "]" + (k + 1 < merges.count ? ",\n" : "\n")
        }
        out += "]}}\n"
        return Data(out.utf8)
    }
}
