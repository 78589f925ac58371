// tokenizer.json to a BPE tokenizer, then a round trip of a short text, from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "json") { path in
        let t = try BPETokenizer.fromTokenizerJSON(path: path)
        _ = t.decode(t.encode("Hello <|im_start|>world 123 ünïcode"))
    }
}
