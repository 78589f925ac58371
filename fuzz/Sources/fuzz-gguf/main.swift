// GGUF header, metadata, tensor table, model config and tokenizer metadata from arbitrary bytes.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    FuzzInput.withFile(data, count, ext: "gguf") { path in
        let g = try GGUFFile(path: path)
        for name in g.tensorNames.prefix(64) { _ = g.rawBytes(try g.info(name)) }
        _ = try? BPETokenizer.fromGGUF(g, source: path)
        _ = try ModelConfig.fromGGUF(g)
    }
}
