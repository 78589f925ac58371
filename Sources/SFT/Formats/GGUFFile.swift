// GGUFFile: a memory-mapped GGUF v2/v3 file: header, metadata of every value type, tensor infos, alignment
// and data offset. Every length read from the file (strings, arrays, counts, dims, offsets) is checked against
// the file size before anything is allocated from it, so a hostile or truncated file gives an SFTError
// naming the file, never a crash. Dequantization lives in GGUFDequantize.swift.
//
// Layout (little-endian): "GGUF" u32 version, u64 tensor_count, u64 kv_count,
// kv_count x (string key, u32 type, value), tensor_count x (string name, u32 n_dims, u64 dims[n_dims],
// u32 type, u64 offset), padding to `general.alignment` (default 32), tensor data.
// A string is u64 length + UTF-8 bytes; an array is u32 element type, u64 count, elements.

public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order (for printing and for writing back).
    public let metadataKeys: [String]
    public let tensors: [String: GGUFTensorInfo]
    /// Tensor names in file order.
    public let tensorNames: [String]
    public let alignment: Int
    /// Absolute byte offset where tensor data starts.
    public let dataOffset: Int
    public let file: MappedFile

    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        path = file.path
        var r = ByteReader(file)
        func bad(_ m: String, _ hint: String = "the file is not a valid GGUF model or is corrupt") -> SFTError {
            SFTError(m, hint: hint, file: file.path)
        }

        let magic = try r.read(UInt32.self, "magic")
        if magic != 0x4655_4747 {  // "GGUF" little-endian
            throw bad("bad magic: not a GGUF file (first bytes \(String(magic, radix: 16)))",
                      "expected a .gguf model file")
        }
        version = try r.read(UInt32.self, "version")
        if version.byteSwapped == 2 || version.byteSwapped == 3 {
            throw bad("big-endian GGUF (version \(version.byteSwapped)) is not supported", "use the little-endian file of this model")
        }
        if version != 2 && version != 3 {
            throw bad("unsupported GGUF version \(version) (sft reads versions 2 and 3)",
                      "re-convert the model with a current llama.cpp convert script")
        }
        let tensorCount = try r.read(UInt64.self, "tensor count")
        let kvCount = try r.read(UInt64.self, "metadata count")
        // Smallest kv: 8-byte key length + 4-byte type + 1-byte value. Smallest tensor info: 8 + 4 + 4 + 8.
        if kvCount > UInt64(r.remaining / 13) {
            throw bad("metadata count \(kvCount) cannot fit in the \(file.size)-byte file")
        }
        if tensorCount > UInt64(r.remaining / 24) {
            throw bad("tensor count \(tensorCount) cannot fit in the \(file.size)-byte file")
        }

        var meta: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(Int(kvCount))
        for _ in 0..<Int(kvCount) {
            let key = try Self.readString(&r, "metadata key")
            let type = try r.read(UInt32.self, "type of '\(key)'")
            let value = try Self.readValue(&r, type: type, key: key, depth: 0)
            if meta.updateValue(value, forKey: key) != nil { throw bad("metadata key '\(key)' appears twice") }
            keys.append(key)
        }
        metadata = meta
        metadataKeys = keys

        var align = 32
        if let a = meta["general.alignment"] {
            guard let v = a.intValue, v > 0, v <= 1 << 20, v & (v - 1) == 0 else {
                throw bad("general.alignment \(a) is not a power of two")
            }
            align = v
        }
        alignment = align

        struct Raw { var name: String; var dims: [Int]; var type: UInt32; var offset: UInt64 }
        var raws: [Raw] = []
        raws.reserveCapacity(Int(tensorCount))
        for i in 0..<Int(tensorCount) {
            let name = try Self.readString(&r, "name of tensor \(i)")
            let nDims = try r.read(UInt32.self, "dimension count of tensor '\(name)'")
            if nDims == 0 || nDims > 4 { throw bad("tensor '\(name)' has \(nDims) dimensions (1 to 4 allowed)") }
            var dims: [Int] = []
            for _ in 0..<Int(nDims) {
                let d = try r.read(UInt64.self, "dimensions of tensor '\(name)'")
                guard d > 0, d < 1 << 40 else { throw bad("tensor '\(name)' has dimension \(d) out of range") }
                dims.append(Int(d))
            }
            let type = try r.read(UInt32.self, "type of tensor '\(name)'")
            let offset = try r.read(UInt64.self, "offset of tensor '\(name)'")
            raws.append(Raw(name: name, dims: dims, type: type, offset: offset))
        }

        let start = (r.offset + align - 1) / align * align
        dataOffset = start
        let dataSize = file.size - start
        var infos: [String: GGUFTensorInfo] = [:]
        var names: [String] = []
        for raw in raws {
            let name = raw.name
            guard let type = GGUFTensorType(rawValue: raw.type) else {
                throw bad("tensor '\(name)' has unsupported ggml type \(raw.type)",
                          "sft reads F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, Q8_K; re-quantize to one of these")
            }
            var count = 1
            for d in raw.dims {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                if o || p > 1 << 40 { throw bad("tensor '\(name)' dims \(raw.dims) overflow the element count") }
                count = p
            }
            if raw.dims[0] % type.blockSize != 0 {
                throw bad("tensor '\(name)' row length \(raw.dims[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let bytes = count / type.blockSize * type.blockBytes
            if dataSize < 0 || raw.offset > UInt64(max(dataSize, 0)) {
                throw bad("tensor '\(name)' offset \(raw.offset) is past the end of the data (\(max(dataSize, 0)) bytes)")
            }
            if Int(raw.offset) % align != 0 {
                throw bad("tensor '\(name)' offset \(raw.offset) is not aligned to \(align)")
            }
            if Int(raw.offset) + bytes > dataSize {
                throw bad("tensor '\(name)' (\(type.name), dims \(raw.dims), \(bytes) bytes at data offset \(raw.offset)) runs past the end of the file",
                          "the file is truncated; download it again")
            }
            if infos[name] != nil { throw bad("tensor '\(name)' appears twice") }
            infos[name] = GGUFTensorInfo(name: name, type: type, dims: raw.dims, offset: start + Int(raw.offset), byteCount: bytes)
            names.append(name)
        }
        tensors = infos
        tensorNames = names
    }

    static func readString(_ r: inout ByteReader, _ what: String) throws -> String {
        let n = try r.read(UInt64.self, "length of \(what)")
        if n > UInt64(r.remaining) {
            throw SFTError("truncated file: \(what) claims \(n) bytes at byte \(r.offset) but only \(r.remaining) remain",
                           hint: "the file is incomplete or corrupt", file: r.path)
        }
        let b = try r.bytes(Int(n), what)
        return String(decoding: b, as: UTF8.self)
    }

    /// Smallest encoded size of one value of `type`, used to bound array counts before allocating.
    static func minSize(_ type: UInt32) -> Int {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 10, 11, 12, 8: return 8
        case 9: return 12
        default: return 1
        }
    }

    static func readValue(_ r: inout ByteReader, type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        let what = "value of '\(key)'"
        switch type {
        case 0: return .uint8(try r.read(UInt8.self, what))
        case 1: return .int8(try r.read(Int8.self, what))
        case 2: return .uint16(try r.read(UInt16.self, what))
        case 3: return .int16(try r.read(Int16.self, what))
        case 4: return .uint32(try r.read(UInt32.self, what))
        case 5: return .int32(try r.read(Int32.self, what))
        case 6: return .float32(Float(bitPattern: try r.read(UInt32.self, what)))
        case 7:
            let b = try r.read(UInt8.self, what)
            if b > 1 { throw SFTError("metadata '\(key)': bool byte \(b) is not 0 or 1", file: r.path) }
            return .bool(b == 1)
        case 8: return .string(try readString(&r, what))
        case 9:
            if depth > 8 { throw SFTError("metadata '\(key)': arrays nested deeper than 8", file: r.path) }
            let elementType = try r.read(UInt32.self, "array type of '\(key)'")
            if elementType > 12 { throw SFTError("metadata '\(key)': unknown array element type \(elementType)", file: r.path) }
            let n = try r.read(UInt64.self, "array length of '\(key)'")
            if n > UInt64(r.remaining / minSize(elementType)) {
                throw SFTError("truncated file: array '\(key)' claims \(n) elements but only \(r.remaining) bytes remain",
                               hint: "the file is incomplete or corrupt", file: r.path)
            }
            var out: [GGUFValue] = []
            out.reserveCapacity(Int(n))
            for _ in 0..<Int(n) { out.append(try readValue(&r, type: elementType, key: key, depth: depth + 1)) }
            return .array(elementType: elementType, out)
        case 10: return .uint64(try r.read(UInt64.self, what))
        case 11: return .int64(try r.read(Int64.self, what))
        case 12: return .float64(Double(bitPattern: try r.read(UInt64.self, what)))
        default:
            throw SFTError("metadata '\(key)' has unknown value type \(type)", hint: "the file is corrupt or from a newer GGUF version", file: r.path)
        }
    }

    // MARK: typed accessors: nil when the key is absent or has another type.

    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func float(_ key: String) -> Double? { metadata[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { if case .bool(let b)? = metadata[key] { return b }; return nil }
    public func array(_ key: String) -> [GGUFValue]? { metadata[key]?.arrayValue }

    public func stringArray(_ key: String) -> [String]? {
        guard let a = array(key) else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a { guard let s = v.stringValue else { return nil }; out.append(s) }
        return out
    }

    public func intArray(_ key: String) -> [Int]? {
        guard let a = array(key) else { return nil }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for v in a { guard let i = v.intValue else { return nil }; out.append(i) }
        return out
    }

    public func floatArray(_ key: String) -> [Double]? {
        guard let a = array(key) else { return nil }
        var out: [Double] = []
        out.reserveCapacity(a.count)
        for v in a { guard let d = v.doubleValue else { return nil }; out.append(d) }
        return out
    }

    /// Throwing variants for required keys: the error names the key and the file.
    public func requireInt(_ key: String) throws -> Int {
        guard let v = int(key) else { throw missing(key, "an integer") }
        return v
    }
    public func requireFloat(_ key: String) throws -> Double {
        guard let v = float(key) else { throw missing(key, "a number") }
        return v
    }
    public func requireString(_ key: String) throws -> String {
        guard let v = string(key) else { throw missing(key, "a string") }
        return v
    }

    private func missing(_ key: String, _ kind: String) -> SFTError {
        SFTError(metadata[key] == nil ? "GGUF metadata '\(key)' is missing" : "GGUF metadata '\(key)' is not \(kind)",
                 hint: "the file was not converted with a llama.cpp-compatible script", file: path)
    }

    /// Every `tokenizer.*` key in file order, e.g. to copy the tokenizer into an exported GGUF.
    public var tokenizerMetadata: [(String, GGUFValue)] {
        metadataKeys.filter { $0.hasPrefix("tokenizer.") }.map { ($0, metadata[$0]!) }
    }

    /// The raw bytes of one tensor inside the mapping.
    public func rawBytes(_ info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + info.offset, count: info.byteCount)
    }

    public func info(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensors[name] else {
            throw SFTError("tensor '\(name)' is missing", hint: "the file does not hold this model's weights", file: path)
        }
        return t
    }
}
