// The model that is ready at start-up: $SFT_MODEL, else SmolLM2-135M-Instruct in the cache that `make run`
// fills (./cache/models, or the cache beside the checkout the binary was built in). `--no-model` or
// SFT_NO_MODEL=1 starts without one (the shell works; model commands say how to load one).
import Foundation
import SFT

public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Where the default model should be, first existing path wins; nil when none exists.
    public static func path() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["SFT_MODEL"], !p.isEmpty { return p }
        var candidates: [String] = []
        if let c = env["SFT_CACHE"], !c.isEmpty { candidates.append(c + "/models/" + fileName) }
        candidates.append(FileManager.default.currentDirectoryPath + "/cache/models/" + fileName)
        // .build/release/sft -> the checkout's cache/
        let exe = (CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }) ?? ""
        let checkout = URL(fileURLWithPath: exe).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(checkout.path + "/cache/models/" + fileName)
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Loads the default model into the session; says on stderr what happened. Never fails the start-up.
    public static func load(into session: Session) {
        if ProcessInfo.processInfo.environment["SFT_NO_MODEL"] == "1" { return }
        guard let p = path() else {
            session.out.note("no model loaded: \(fileName) not found (run `make model`, or `model load PATH`)")
            return
        }
        do {
            let m = try ChatModel.load(path: p)
            session.setModel(m)
            session.out.note(String(format: "model %@ ready (%.2f s)", m.name, m.loadSeconds))
        } catch let e as SFTError {
            session.out.note("could not load the default model: \(e)")
        } catch {
            session.out.note("could not load the default model: \(error)")
        }
    }
}
