// GGUFWriter: builds a GGUF v3 file from ordered metadata and tensors (raw block bytes, or floats quantized
// on the way in). Used by tests to make tiny and hostile files and, later, by `export gguf`. Writes
// atomically (AtomicFileWriter). Tensor data is aligned to `general.alignment` when set, else 32.

public struct GGUFWriter {
    public struct Tensor {
        public var name: String
        public var type: GGUFTensorType
        public var dims: [Int]      // GGUF order: dims[0] innermost
        public var bytes: [UInt8]
    }

    public private(set) var metadata: [(String, GGUFValue)] = []
    public private(set) var tensors: [Tensor] = []

    public init() {}

    public mutating func add(_ key: String, _ value: GGUFValue) { metadata.append((key, value)) }

    /// Adds a tensor from already-encoded bytes (not checked: tests use this to write broken files).
    public mutating func addTensor(_ name: String, type: GGUFTensorType, dims: [Int], bytes: [UInt8]) {
        tensors.append(Tensor(name: name, type: type, dims: dims, bytes: bytes))
    }

    /// Adds a tensor from floats in row-major PyTorch order; `dims` in GGUF order (innermost first).
    public mutating func addTensor(_ name: String, type: GGUFTensorType, dims: [Int], floats: [Float]) throws {
        if dims.reduce(1, *) != floats.count {
            throw SFTError("tensor '\(name)': dims \(dims) hold \(dims.reduce(1, *)) values, got \(floats.count)")
        }
        tensors.append(Tensor(name: name, type: type, dims: dims, bytes: try quantize(type, floats)))
    }

    public var alignment: Int {
        metadata.last(where: { $0.0 == "general.alignment" })?.1.intValue ?? 32
    }

    /// The whole file as bytes.
    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .float64(let x): u64(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let s): str(s)
            case .array(let t, let a):
                u32(t); u64(UInt64(a.count))
                for e in a { value(e) }
            }
        }
        out += [0x47, 0x47, 0x55, 0x46]  // "GGUF"
        u32(3)
        u64(UInt64(tensors.count)); u64(UInt64(metadata.count))
        for (k, v) in metadata { str(k); u32(v.typeCode); value(v) }
        let align = max(1, alignment)
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset = (offset + t.bytes.count + align - 1) / align * align
        }
        for (t, off) in zip(tensors, offsets) {
            str(t.name); u32(UInt32(t.dims.count))
            for d in t.dims { u64(UInt64(d)) }
            u32(t.type.rawValue); u64(UInt64(off))
        }
        while out.count % align != 0 { out.append(0) }
        let start = out.count
        for (t, off) in zip(tensors, offsets) {
            while out.count < start + off { out.append(0) }
            out += t.bytes
        }
        return out
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let bytes = encode()
        try AtomicFile.write(to: path) { w in try w.write(bytes) }
    }
}
