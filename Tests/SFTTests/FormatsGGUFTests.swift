// GGUF reader and writer: round trips of every metadata value type and every tensor type, the dequantizers
// against gguf-py (Tests/Fixtures/formats/gguf-quants.json, made by scripts/make-gguf-quant-fixture.py) and
// fast against reference, and hostile files that must give an SFTError, never a crash.
import Foundation
import XCTest
import SFT

func assertSFTError<T>(_ body: @autoclosure () throws -> T, contains: String..., file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an SFTError containing \(contains)", file: file, line: line)
    } catch let e as SFTError {
        for c in contains where !e.description.contains(c) {
            XCTFail("error '\(e.description)' does not mention '\(c)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected SFTError, got \(error)", file: file, line: line)
    }
}

/// Writes bytes to a temp file and opens it as GGUF.
func openGGUF(_ bytes: [UInt8], name: String = "t.gguf") throws -> GGUFFile {
    let path = NSTemporaryDirectory() + "sft-\(UUID().uuidString)-\(name)"
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try GGUFFile(path: path)   // the mapping stays valid after unlink
}

/// Deterministic pseudo-random floats (xorshift), roughly uniform in [-scale, scale].
func testFloats(_ n: Int, seed: UInt64 = 42, scale: Float = 1) -> [Float] {
    var s = seed | 1
    return (0..<n).map { _ in
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        return (Float(s % 2_000_001) / 1_000_000 - 1) * scale
    }
}

final class FormatsGGUFTests: XCTestCase {
    static let everyValue: [(String, GGUFValue)] = [
        ("u8", .uint8(250)), ("i8", .int8(-120)), ("u16", .uint16(65000)), ("i16", .int16(-32000)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)),
        ("u64", .uint64(18_000_000_000_000_000_000)), ("i64", .int64(-9_000_000_000_000_000_000)),
        ("f32", .float32(3.25)), ("f64", .float64(-1e-300)), ("yes", .bool(true)), ("no", .bool(false)),
        ("s", .string("héllo <|im_start|> 🙂")), ("empty", .string("")),
        ("strings", .array(elementType: 8, [.string("a"), .string(""), .string("Ġthe")])),
        ("ints", .array(elementType: 5, [.int32(-1), .int32(0), .int32(7)])),
        ("floats", .array(elementType: 6, [.float32(0.5), .float32(-2)])),
        ("bools", .array(elementType: 7, [.bool(true), .bool(false)])),
        ("u64s", .array(elementType: 10, [.uint64(1), .uint64(1 << 40)])),
        ("f64s", .array(elementType: 12, [.float64(1.5)])),
        ("u8s", .array(elementType: 0, [.uint8(1), .uint8(2)])),
        ("i8s", .array(elementType: 1, [.int8(-1)])), ("u16s", .array(elementType: 2, [.uint16(9)])),
        ("i16s", .array(elementType: 3, [.int16(-9)])), ("u32s", .array(elementType: 4, [.uint32(9)])),
        ("i64s", .array(elementType: 11, [.int64(-9)])),
        ("nested", .array(elementType: 9, [.array(elementType: 4, [.uint32(1), .uint32(2)]),
                                           .array(elementType: 8, [.string("x")]), .array(elementType: 4, [])])),
        ("none", .array(elementType: 8, [])),
    ]

    func testMetadataRoundTripEveryType() throws {
        var w = GGUFWriter()
        for (k, v) in Self.everyValue { w.add(k, v) }
        let g = try openGGUF(w.encode())
        XCTAssertEqual(g.version, 3)
        XCTAssertEqual(g.metadataKeys, Self.everyValue.map(\.0))
        for (k, v) in Self.everyValue { XCTAssertEqual(g.metadata[k], v, k) }
        XCTAssertEqual(g.int("u32"), 4_000_000_000)
        XCTAssertEqual(g.int("i64"), -9_000_000_000_000_000_000)
        XCTAssertNil(g.int("u64"))               // does not fit Int
        XCTAssertEqual(g.float("f32"), 3.25)
        XCTAssertEqual(g.float("u8"), 250)
        XCTAssertEqual(g.string("s"), "héllo <|im_start|> 🙂")
        XCTAssertNil(g.string("u8"))
        XCTAssertEqual(g.bool("yes"), true)
        XCTAssertEqual(g.stringArray("strings"), ["a", "", "Ġthe"])
        XCTAssertEqual(g.intArray("ints"), [-1, 0, 7])
        XCTAssertEqual(g.floatArray("floats"), [0.5, -2])
        XCTAssertNil(g.stringArray("ints"))
        XCTAssertEqual(g.stringArray("none"), [])
        XCTAssertEqual(g.array("nested")?.count, 3)
        XCTAssertEqual(g.tensors.count, 0)
        assertSFTError(try g.requireInt("missing.key"), contains: "missing.key", "missing")
        assertSFTError(try g.requireInt("s"), contains: "'s'", "not an integer")
        // Writing back what we read gives the same bytes.
        var w2 = GGUFWriter()
        for k in g.metadataKeys { w2.add(k, g.metadata[k]!) }
        XCTAssertEqual(w2.encode(), w.encode())
    }

    func testTensorRoundTripEveryWritableType() throws {
        let types: [GGUFTensorType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1]
        var w = GGUFWriter()
        w.add("general.alignment", .uint32(64))
        let x = testFloats(3 * 64, scale: 2)   // shape (3, 64): dims [64, 3]
        for t in types { try w.addTensor("w.\(t.name)", type: t, dims: [64, 3], floats: x) }
        let g = try openGGUF(w.encode())
        XCTAssertEqual(g.alignment, 64)
        XCTAssertEqual(g.dataOffset % 64, 0)
        XCTAssertEqual(g.tensorNames, types.map { "w.\($0.name)" })
        for t in types {
            let info = try XCTUnwrap(g.tensors["w.\(t.name)"])
            XCTAssertEqual(info.type, t); XCTAssertEqual(info.dims, [64, 3]); XCTAssertEqual(info.shape, [3, 64])
            XCTAssertEqual(info.offset % 64, 0)
            let y = try g.floats(info.name)
            var ref = [Float](repeating: 0, count: y.count)
            ref.withUnsafeMutableBufferPointer { dequantizeReference(t, g.rawBytes(info).baseAddress!, into: $0.baseAddress!, count: y.count) }
            XCTAssertEqual(y, ref, "fast vs reference \(t.name)")
            // Error bound: half a quantization step of the block's range (plus f16 rounding of the scale).
            let tol: Float = [.f32: 0, .f16: 1e-3, .bf16: 8e-3, .q8_0: 0.01, .q4_0: 0.3, .q4_1: 0.15, .q5_0: 0.14, .q5_1: 0.07][t]!
            let err = zip(x, y).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(err, tol, t.name)
        }
        var dst = [Float](repeating: 0, count: 5)
        assertSFTError(try g.dequantize("w.F32", into: &dst, count: 5), contains: "w.F32", "192 elements")
        assertSFTError(try g.floats("nope"), contains: "'nope'", "missing")
    }

    func testAgainstGGUFPy() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: FormatsPaths.fixture("gguf-quants.json")))
        let fixture = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        XCTAssertEqual(Set(fixture.keys), ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K"])
        for (name, entry) in fixture {
            let t = try XCTUnwrap(GGUFTensorType(rawValue: UInt32(entry["type"] as! Int)))
            XCTAssertEqual(t.name, name)
            let hex = entry["hex"] as! String
            var bytes: [UInt8] = []
            var i = hex.startIndex
            while i < hex.endIndex { let j = hex.index(i, offsetBy: 2); bytes.append(UInt8(hex[i..<j], radix: 16)!); i = j }
            let expected = (entry["output"] as! [Double]).map(Float.init)
            var fast = [Float](repeating: 0, count: expected.count), ref = fast
            bytes.withUnsafeBytes { b in
                fast.withUnsafeMutableBufferPointer { SFT.dequantize(t, b.baseAddress!, into: $0.baseAddress!, count: expected.count) }
                ref.withUnsafeMutableBufferPointer { dequantizeReference(t, b.baseAddress!, into: $0.baseAddress!, count: expected.count) }
            }
            XCTAssertEqual(ref, expected, "reference vs gguf-py \(name)")
            XCTAssertEqual(fast, expected, "fast vs gguf-py \(name)")
            if let input = entry["input"] as? [Double] {
                XCTAssertEqual(try quantize(t, input.map(Float.init)), bytes, "quantizer vs gguf-py \(name)")
            }
        }
    }

    func testFastMatchesReferenceOnRandomBlocks() {
        for t in GGUFTensorType.allCases {
            let blocks = 300
            var bytes = [UInt8](repeating: 0, count: blocks * t.blockBytes)
            var s: UInt64 = 99
            for i in bytes.indices { s ^= s << 13; s ^= s >> 7; s ^= s << 17; bytes[i] = UInt8(truncatingIfNeeded: s) }
            // Keep scales finite: overwrite the f16/f32 scale fields with a small value.
            for b in 0..<blocks {
                let o = b * t.blockBytes
                switch t {
                case .f32, .f16, .bf16: break
                case .q8_K: withUnsafeBytes(of: Float(0.01).bitPattern) { for k in 0..<4 { bytes[o + k] = $0[k] } }
                case .q6_K: bytes[o + 208] = 0x1f; bytes[o + 209] = 0x21
                case .q4_1, .q5_1, .q4_K, .q5_K: bytes[o] = 0x1f; bytes[o + 1] = 0x21; bytes[o + 2] = 0x1f; bytes[o + 3] = 0x21
                default: bytes[o] = 0x1f; bytes[o + 1] = 0x21
                }
            }
            if t == .f16 || t == .bf16 { for i in stride(from: 1, to: bytes.count, by: 2) { bytes[i] &= 0x3f } }
            if t == .f32 { for i in stride(from: 3, to: bytes.count, by: 4) { bytes[i] &= 0x3f } }
            let n = blocks * t.blockSize
            var fast = [Float](repeating: 0, count: n), ref = fast
            bytes.withUnsafeBytes { b in
                fast.withUnsafeMutableBufferPointer { SFT.dequantize(t, b.baseAddress!, into: $0.baseAddress!, count: n) }
                ref.withUnsafeMutableBufferPointer { dequantizeReference(t, b.baseAddress!, into: $0.baseAddress!, count: n) }
            }
            XCTAssertEqual(fast, ref, t.name)
            XCTAssertTrue(ref.allSatisfy(\.isFinite), t.name)
        }
    }

    // MARK: hostile files

    /// A header by hand: magic, version, tensor count, kv count.
    func header(version: UInt32 = 3, tensors: UInt64 = 0, kvs: UInt64 = 0) -> [UInt8] {
        var b: [UInt8] = [0x47, 0x47, 0x55, 0x46]
        withUnsafeBytes(of: version) { b += $0 }
        withUnsafeBytes(of: tensors) { b += $0 }
        withUnsafeBytes(of: kvs) { b += $0 }
        return b
    }
    func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
    func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
    func str(_ s: String) -> [UInt8] { u64(UInt64(s.utf8.count)) + Array(s.utf8) }

    func testHostileHeaders() throws {
        assertSFTError(try openGGUF(Array("GGML".utf8) + [UInt8](repeating: 0, count: 40), name: "bad.gguf"), contains: "bad magic", "bad.gguf")
        assertSFTError(try openGGUF(header(version: 1)), contains: "unsupported GGUF version 1")
        assertSFTError(try openGGUF(header(version: 4)), contains: "version 4")
        assertSFTError(try openGGUF([]), contains: "truncated")
        assertSFTError(try openGGUF(header(version: UInt32(3).byteSwapped)), contains: "big-endian")
        assertSFTError(try openGGUF(header(tensors: 1 << 50)), contains: "tensor count")
        assertSFTError(try openGGUF(header(kvs: UInt64.max)), contains: "metadata count")
        // Huge string length in a key and in a value.
        assertSFTError(try openGGUF(header(kvs: 1) + u64(1 << 62) + [UInt8](repeating: 65, count: 20)), contains: "truncated", "metadata key")
        assertSFTError(try openGGUF(header(kvs: 1) + str("k") + u32(8) + u64(UInt64.max) + [1, 2, 3, 4, 5]), contains: "truncated", "'k'")
        // Huge array count, and arrays of strings that claim more than fits.
        assertSFTError(try openGGUF(header(kvs: 1) + str("arr") + u32(9) + u32(4) + u64(1 << 60) + u32(1)), contains: "array 'arr'", "1152921504606846976")
        assertSFTError(try openGGUF(header(kvs: 1) + str("arr") + u32(9) + u32(8) + u64(3) + str("a") + u64(1 << 40)), contains: "truncated")
        // Unknown value type, unknown array element type, bad bool, deep nesting.
        assertSFTError(try openGGUF(header(kvs: 1) + str("k") + u32(13) + u64(0)), contains: "unknown value type 13")
        assertSFTError(try openGGUF(header(kvs: 1) + str("k") + u32(9) + u32(77) + u64(0)), contains: "element type 77")
        assertSFTError(try openGGUF(header(kvs: 1) + str("k") + u32(7) + [2] + u64(0)), contains: "bool")
        var deep = header(kvs: 1) + str("deep") + u32(9)
        for _ in 0..<40 { deep += u32(9) + u64(1) }
        deep += u32(4) + u64(0) + u64(0)
        assertSFTError(try openGGUF(deep), contains: "nested")
        assertSFTError(try openGGUF(header(kvs: 1) + str("general.alignment") + u32(4) + u32(3) + u64(0)), contains: "alignment")
        // Tensor infos: 5 dims, zero dim, overflowing dims, unknown type.
        func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) -> [UInt8] {
            str(name) + u32(UInt32(dims.count)) + dims.flatMap { u64($0) } + u32(type) + u64(offset)
        }
        let pad = [UInt8](repeating: 0, count: 256)
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("t5", dims: [1, 1, 1, 1, 1], type: 0, offset: 0) + pad), contains: "'t5'", "5 dimensions")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("z", dims: [4, 0], type: 0, offset: 0) + pad), contains: "'z'", "dimension 0")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("big", dims: [1 << 39, 1 << 39], type: 0, offset: 0) + pad), contains: "'big'", "overflow")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("q", dims: [32], type: 99, offset: 0) + pad), contains: "'q'", "type 99")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("q", dims: [30], type: 2, offset: 0) + pad), contains: "'q'", "block size")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("far", dims: [4], type: 0, offset: 1 << 40) + pad), contains: "'far'", "past the end")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("long", dims: [1000], type: 0, offset: 0) + pad), contains: "'long'", "runs past the end")
        assertSFTError(try openGGUF(header(tensors: 1) + tensor("odd", dims: [4], type: 0, offset: 8) + pad), contains: "'odd'", "aligned")
        assertSFTError(try openGGUF(header(tensors: 2) + tensor("a", dims: [4], type: 0, offset: 0) + tensor("a", dims: [4], type: 0, offset: 0) + pad), contains: "'a'", "twice")
        // The well-formed version of the same tensor opens.
        let ok = try openGGUF(header(tensors: 1) + tensor("fine", dims: [4], type: 0, offset: 0) + pad)
        XCTAssertEqual(ok.tensors["fine"]?.byteCount, 16)
    }

    func testTruncatedAtEveryFiftieth() throws {
        var w = GGUFWriter()
        for (k, v) in Self.everyValue { w.add(k, v) }
        try w.addTensor("a", type: .q4_1, dims: [64, 4], floats: testFloats(256))
        try w.addTensor("b", type: .f32, dims: [8], floats: testFloats(8))
        let full = w.encode()
        XCTAssertNoThrow(try openGGUF(full))
        for i in 0..<50 {
            let cut = full.count * i / 50
            assertSFTError(try openGGUF(Array(full[..<cut]), name: "cut\(i).gguf"), contains: "cut\(i).gguf")
        }
        assertSFTError(try openGGUF(Array(full.dropLast())), contains: "'b'", "past the end")
    }
}
