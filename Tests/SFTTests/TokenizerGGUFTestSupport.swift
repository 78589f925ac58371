// TEST-ONLY minimal GGUF metadata reader, so tokenizer tests can read vocabularies from llama.cpp's ggml-vocab-*.gguf
// files and the default model before the Formats/ GGUF reader exists.
// TO BE REPLACED by the formats helper's reader when merged (it should conform to TokenizerMetadataSource).
// Reads only the key/value header (strings, integers, arrays of those); skips floats; never reads tensors.
import Foundation
import SFT
import XCTest

struct TestGGUFMetadata: TokenizerMetadataSource {
    enum Value { case int(Int), string(String), ints([Int]), strings([String]), other }
    var values: [String: Value] = [:]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw SFTError("cannot read", file: path) }
        let bytes = [UInt8](data)
        var p = 0
        func need(_ n: Int) throws { if p + n > bytes.count { throw SFTError("truncated GGUF", file: path) } }
        func u32() throws -> UInt32 { try need(4); defer { p += 4 }; return bytes[p..<p+4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64() throws -> UInt64 { try need(8); defer { p += 8 }; return bytes[p..<p+8].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func str() throws -> String { let n = Int(try u64()); try need(n); defer { p += n }; return String(decoding: bytes[p..<p+n], as: UTF8.self) }
        func scalar(_ t: UInt32) throws -> Int? {
            switch t {
            case 0, 1, 7: try need(1); p += 1; return t == 1 ? Int(Int8(bitPattern: bytes[p-1])) : Int(bytes[p-1])
            case 2, 3: try need(2); p += 2; let v = UInt16(bytes[p-2]) | UInt16(bytes[p-1]) << 8; return t == 3 ? Int(Int16(bitPattern: v)) : Int(v)
            case 4: return Int(try u32())
            case 5: return Int(Int32(bitPattern: try u32()))
            case 6: try need(4); p += 4; return nil
            case 10, 11: return Int(Int64(bitPattern: try u64()))
            case 12: try need(8); p += 8; return nil
            default: throw SFTError("unknown GGUF type \(t)", file: path)
            }
        }
        guard bytes.count > 24, bytes[0..<4].elementsEqual(Array("GGUF".utf8)) else { throw SFTError("not GGUF", file: path) }
        p = 4
        _ = try u32(); _ = try u64()
        let kvCount = try u64()
        for _ in 0..<kvCount {
            let key = try str()
            let t = try u32()
            switch t {
            case 8: values[key] = .string(try str())
            case 9:
                let et = try u32(), n = Int(try u64())
                if et == 8 { var a: [String] = []; a.reserveCapacity(n); for _ in 0..<n { a.append(try str()) }; values[key] = .strings(a) }
                else { var a: [Int] = []; a.reserveCapacity(n); for _ in 0..<n { if let v = try scalar(et) { a.append(v) } }; values[key] = .ints(a) }
            default: values[key] = (try scalar(t)).map { .int($0) } ?? .other
            }
        }
    }

    func string(_ key: String) -> String? { if case .string(let s)? = values[key] { return s }; return nil }
    func stringArray(_ key: String) -> [String]? { if case .strings(let s)? = values[key] { return s }; return nil }
    func int(_ key: String) -> Int? { if case .int(let v)? = values[key] { return v }; return nil }
    func intArray(_ key: String) -> [Int]? { if case .ints(let v)? = values[key] { return v }; return nil }
}

/// Paths the tokenizer tests share.
enum TokenizerTestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = packageRoot + "/Tests/Fixtures/tokenizer"
    static var model: String {
        ProcessInfo.processInfo.environment["SFT_MODEL"] ?? packageRoot + "/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// Loaded once per process: vocabularies take ~0.5 s each to build.
    nonisolated(unsafe) static var loaded: [String: (BPETokenizer, TestGGUFMetadata)] = [:]
    static func load(_ path: String) throws -> (BPETokenizer, TestGGUFMetadata) {
        if let hit = loaded[path] { return hit }
        let meta = try TestGGUFMetadata(path: path)
        let tok = try BPETokenizer.fromGGUF(meta, source: path)
        loaded[path] = (tok, meta)
        return (tok, meta)
    }
    static func smolLM2() throws -> (BPETokenizer, TestGGUFMetadata) {
        guard FileManager.default.fileExists(atPath: model) else {
            XCTFail("default model not found at \(model); run scripts/fetch-model or set SFT_MODEL")
            throw SFTError("model missing", file: model)
        }
        return try load(model)
    }
}
