// Dataset lines (messages, alpaca, sharegpt as JSONL; or one JSON array) from arbitrary bytes: the first
// byte picks the extension, so both readers see the same corpus.
import FuzzSupport
import SFT

FuzzInput.run { data, count in
    let ext = count > 0 && data.load(as: UInt8.self) == UInt8(ascii: "[") ? "json" : "jsonl"
    FuzzInput.withFile(data, count, ext: ext) { path in _ = try DataLoader.load(path) }
}
