// Paths and vocabulary loading the tokenizer tests share. Vocabularies are read with the library's GGUF reader.
import Foundation
import SFT
import XCTest

/// Paths the tokenizer tests share.
enum TokenizerTestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = packageRoot + "/Tests/Fixtures/tokenizer"
    static var model: String {
        ProcessInfo.processInfo.environment["SFT_MODEL"] ?? packageRoot + "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// Loaded once per process: vocabularies take ~0.5 s each to build.
    nonisolated(unsafe) static var loaded: [String: (BPETokenizer, GGUFFile)] = [:]
    static func load(_ path: String) throws -> (BPETokenizer, GGUFFile) {
        if let hit = loaded[path] { return hit }
        let meta = try GGUFFile(path: path)
        let tok = try BPETokenizer.fromGGUF(meta, source: path)
        loaded[path] = (tok, meta)
        return (tok, meta)
    }
    static func smolLM2() throws -> (BPETokenizer, GGUFFile) {
        guard FileManager.default.fileExists(atPath: model) else {
            XCTFail("default model not found at \(model); run scripts/fetch-model or set SFT_MODEL")
            throw SFTError("model missing", file: model)
        }
        return try load(model)
    }
}
