// Where the format tests find the default model (env SFT_MODEL, else <root>/cache/models/...) and the HF
// directory converted from it (env SFT_HF_MODEL, else <root>/cache/hf/SmolLM2-135M-Instruct), and the fixtures.
import Foundation
import XCTest

enum FormatsPaths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The default GGUF model; fails the test when absent (CI fetches it).
    static func model() throws -> String {
        let p = ProcessInfo.processInfo.environment["SFT_MODEL"] ?? root + "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: p) else {
            XCTFail("default model missing at \(p): run scripts/fetch-model or set SFT_MODEL")
            throw XCTSkip("no model")
        }
        return p
    }

    /// The HF directory saved by scripts/make-formats-fixture.py; skips when absent (CI has no torch).
    static func hfModel() throws -> String {
        let env = ProcessInfo.processInfo.environment["SFT_HF_MODEL"]
        let candidates = [env, root + "/cache/hf/SmolLM2-135M-Instruct"].compactMap { $0 }
        for c in candidates where FileManager.default.fileExists(atPath: c + "/model.safetensors") { return c }
        throw XCTSkip("HF model dir not found (set SFT_HF_MODEL or run scripts/make-formats-fixture.py)")
    }

    static func fixture(_ name: String) -> String { root + "/Tests/Fixtures/formats/" + name }

    static func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "sft-formats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}
