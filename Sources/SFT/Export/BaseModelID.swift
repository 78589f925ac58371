// BaseModelID: the name other tools load a base model by, for PEFT's `base_model_name_or_path` and
// LLaMA-Factory's `model_name_or_path`. `--base-model ID` wins; otherwise the best the model itself says:
// an HF hub cache directory (models--ORG--NAME/snapshots/...) or config.json's `_name_or_path` give a hub id;
// a GGUF gives the repository it was converted from (`general.source.huggingface.repository`, or a hub
// `general.source.url`), else `general.name` (not its `general.base_model.*`: that is the model it was tuned
// from, not this one); the last
// resort is the directory name. Anything that is not an `org/name` id comes with a note saying to pass one.
import Foundation

public enum BaseModelID {
    /// The id to write and, when it is probably not loadable by name elsewhere, a note for the user.
    public static func resolve(modelPath: String, given: String?) throws -> (id: String, note: String?) {
        if let given {
            let g = given.trimmingCharacters(in: .whitespaces)
            if g.isEmpty { throw SFTError("--base-model is empty", hint: "give a hub id such as HuggingFaceTB/SmolLM2-135M-Instruct") }
            return (g, nil)
        }
        let (id, from) = guess(modelPath)
        if isHubID(id) { return (id, nil) }
        return (id, "'\(id)' is \(from), not a hub id other tools can load; pass --base-model ID (e.g. HuggingFaceTB/SmolLM2-135M-Instruct)")
    }

    /// `org/name`: two plain parts, as the Hugging Face hub names repositories.
    public static func isHubID(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { p in
            !p.isEmpty && p != "." && p != ".." && p.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        }
    }

    /// The id guessed from the model's files, and where it came from.
    static func guess(_ path: String) -> (String, String) {
        let parts = (path as NSString).pathComponents
        if let cache = parts.last(where: { $0.hasPrefix("models--") }) {
            let p = cache.dropFirst(8).components(separatedBy: "--")
            if p.count == 2 { return ("\(p[0])/\(p[1])", "the hub cache directory") }
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            if let data = try? RegularFile.read(path + "/config.json", limit: 1 << 20, what: "config.json"),
               let j = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let n = j["_name_or_path"] as? String, isHubID(n) {
                return (n, "config.json's _name_or_path")
            }
            return ((path as NSString).lastPathComponent, "the model directory's name")
        }
        if let g = try? GGUFFile(path: path) {
            if let repo = g.string("general.source.huggingface.repository"), isHubID(repo) {
                return (repo, "the GGUF's general.source.huggingface.repository")
            }
            if let url = g.string("general.source.url"), let r = url.range(of: "huggingface.co/") {
                let id = String(url[r.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                if isHubID(id) { return (id, "the GGUF's general.source.url") }
            }
            if let n = g.string("general.name"), !n.isEmpty { return (n, "the GGUF's general.name") }
        }
        return (((path as NSString).lastPathComponent as NSString).deletingPathExtension, "the file name")
    }
}
