// safetensors reader and writer: round trips in F32/F16/BF16, header layout, sharded index, and hostile
// headers (truncated, bad offsets, wrong span, unsupported dtype, overlap) that must give an SFTError.
import Foundation
import XCTest
import SFT

final class FormatsSafetensorsTests: XCTestCase {
    func testRoundTripEveryDType() throws {
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = testFloats(6 * 5, scale: 3), b = testFloats(7, seed: 9)
        for dtype in [SafetensorsDType.f32, .f16, .bf16] {
            var w = SafetensorsWriter(dtype: dtype, metadata: ["format": "pt", "note": "q\"uote"])
            try a.withUnsafeBufferPointer { pa in try b.withUnsafeBufferPointer { pb in
                try w.add("layer.weight", shape: [6, 5], data: pa)
                try w.add("odd \"name\"", shape: [7], data: pb)
                XCTAssertEqual(w.header().count % 8, 0)
                try w.write(to: dir + "/\(dtype.rawValue).safetensors")
            } }
            let f = try SafetensorsFile(path: dir + "/\(dtype.rawValue).safetensors")
            XCTAssertEqual(f.metadata, ["format": "pt", "note": "q\"uote"])
            XCTAssertEqual(f.tensors["layer.weight"]?.shape, [6, 5])
            XCTAssertEqual(f.tensors["layer.weight"]?.dtype, dtype)
            let ra = try f.floats("layer.weight"), rb = try f.floats("odd \"name\"")
            let tol: Float = dtype == .f32 ? 0 : dtype == .f16 ? 2e-3 : 2e-2
            for (x, y) in zip(a, ra) { XCTAssertEqual(x, y, accuracy: tol * max(1, abs(x))) }
            for (x, y) in zip(b, rb) { XCTAssertEqual(x, y, accuracy: tol * max(1, abs(x))) }
            assertSFTError(try f.floats("nope"), contains: "'nope'", "missing")
        }
        // Atomic: no temp files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".") }, [])
    }

    func testReadsPythonWrittenFile() throws {
        // The HF directory saved by scripts/make-formats-fixture.py was written by the safetensors package.
        let hf = try FormatsPaths.hfModel()
        let f = try SafetensorsFile(path: hf + "/model.safetensors")
        XCTAssertEqual(f.tensors["model.embed_tokens.weight"]?.shape, [49152, 576])
        XCTAssertEqual(f.tensors["model.embed_tokens.weight"]?.dtype, .f32)
    }

    func file(_ header: String, data: Int) -> [UInt8] {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + [UInt8](repeating: 0, count: data)
    }

    func open(_ bytes: [UInt8]) throws -> SafetensorsFile {
        let path = NSTemporaryDirectory() + "sft-\(UUID().uuidString).safetensors"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try SafetensorsFile(path: path)
    }

    func testHostileHeaders() throws {
        XCTAssertEqual(try open(file(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, data: 16)).tensors.count, 1)
        assertSFTError(try open([1, 2, 3]), contains: "truncated")
        assertSFTError(try open(withUnsafeBytes(of: UInt64(1) << 60) { Array($0) } + [0, 0]), contains: "header claims")
        assertSFTError(try open(file("{not json", data: 0)), contains: "not valid JSON")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, data: 15)), contains: "'a'", "past the end")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: 16)), contains: "'a'", "needs 16")
        assertSFTError(try open(file(#"{"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, data: 16)), contains: "'a'", "I64")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: 16)), contains: "'a'", "shape")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[1099511627775,1099511627775],"data_offsets":[0,8]}}"#, data: 16)), contains: "overflow")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: 16)), contains: "data_offsets")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,1e300]}}"#, data: 16)), contains: "data_offsets")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: 16)), contains: "shape")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[2]}}"#, data: 16)), contains: "'a'", "data_offsets")
        assertSFTError(try open(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: 16)), contains: "overlap")
    }

    func testShardedIndexErrors() throws {
        let dir = try FormatsPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        assertSFTError(try SafetensorsCheckpoint(directory: dir), contains: "no model.safetensors")
        try #"{"weight_map": {"x": "../evil.safetensors"}}"#.write(toFile: dir + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        assertSFTError(try SafetensorsCheckpoint(directory: dir), contains: "not a plain file name")
        var w = SafetensorsWriter()
        let v: [Float] = [1, 2]
        try v.withUnsafeBufferPointer { try w.add("y", shape: [2], data: $0); try w.write(to: dir + "/s1.safetensors") }
        try #"{"weight_map": {"x": "s1.safetensors"}}"#.write(toFile: dir + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        assertSFTError(try SafetensorsCheckpoint(directory: dir), contains: "'x'", "does not hold")
        try #"{"weight_map": {"y": "s1.safetensors"}}"#.write(toFile: dir + "/model.safetensors.index.json", atomically: true, encoding: .utf8)
        let c = try SafetensorsCheckpoint(directory: dir)
        XCTAssertEqual(try c.file(for: "y").floats("y"), [1, 2])
    }
}
