// The model that is ready at start-up, found from any folder: $SFT_MODEL, else SmolLM2-135M-Instruct in the
// first of $SFT_CACHE/models, $SFT_HOME/models, ./cache/models, the share/sft/models beside an installed binary
// (`make install` puts it there), and the cache of the checkout the binary was built from. `--no-model` or
// SFT_NO_MODEL=1 starts without one (the shell works; model commands say how to load one).
import Foundation
import SFT

public enum DefaultModel {
    public static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    /// Where the default model should be, first existing path wins; nil when none exists.
    public static func path(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let p = env["SFT_MODEL"], !p.isEmpty { return p }
        return searched(environment: env).first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The places looked in, in order (for `path` and for the not-found message).
    public static func searched(environment env: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var dirs: [String] = []
        if let c = env["SFT_CACHE"], !c.isEmpty { dirs.append(c + "/models") }
        dirs.append(SFTPaths(environment: env).home.path + "/models")
        dirs.append(FileManager.default.currentDirectoryPath + "/cache/models")
        // An installed binary: PREFIX/bin/sft -> PREFIX/share/sft/models; a built one: .build/release/sft -> cache/.
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(exe.deletingLastPathComponent().path + "/share/sft/models")
        dirs.append(exe.deletingLastPathComponent().deletingLastPathComponent().path + "/cache/models")
        // The checkout this binary was compiled in (this file's path at build time), wherever the binary went.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        dirs.append(checkout.path + "/cache/models")
        var seen = Set<String>()
        return dirs.map { URL(fileURLWithPath: $0).standardized.path + "/" + fileName }.filter { seen.insert($0).inserted }
    }

    /// What to do when no default model is found: the variables that point at one, and how to fetch it.
    public static var notFoundHint: String {
        "set SFT_MODEL=FILE.gguf (or SFT_CACHE=DIR holding models/\(fileName)), run `make model` in the sft checkout, or `model load PATH`"
    }

    /// Loads the default model into the session; says on stderr what happened. Never fails the start-up.
    public static func load(into session: Session) {
        if ProcessInfo.processInfo.environment["SFT_NO_MODEL"] == "1" { return }
        guard let p = path() else {
            session.out.note("no model loaded: \(fileName) not found\nhint: \(notFoundHint)")
            return
        }
        do {
            let m = try ChatModel.load(path: p)
            session.setModel(m)
            session.out.note(String(format: "model %@ ready (%.2f s)", m.name, m.loadSeconds))
            if let w = m.templateWarning { session.out.note("warning: " + w) }
        } catch let e as SFTError {
            session.out.note("could not load the default model: \(e)")
        } catch {
            session.out.note("could not load the default model: \(error)")
        }
    }
}
