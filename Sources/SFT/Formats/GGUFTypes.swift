// GGUF value and tensor types: the metadata value enum (every GGUF v2/v3 value type, arrays nested to any
// depth) and the ggml tensor types sft reads, with their block geometry. No parsing here (see GGUFFile.swift).

/// One metadata value. Type codes follow the GGUF spec: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32,
/// 7 bool, 8 string, 9 array, 10 u64, 11 i64, 12 f64.
public indirect enum GGUFValue: Equatable, Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// Elements all share `elementType` (a type code); empty arrays keep it for writing back.
    case array(elementType: UInt32, [GGUFValue])

    public var typeCode: UInt32 {
        switch self {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    /// Any integer type as Int (nil when it does not fit or is not an integer).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// Any numeric type as Double.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [GGUFValue]? { if case .array(_, let a) = self { return a }; return nil }
}

/// ggml tensor types sft can dequantize. Raw values are ggml's type numbers.
public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15, bf16 = 30

    /// Elements per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q4_K, .q5_K, .q6_K, .q8_K: return 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18    // f16 d, 16 nibble bytes
        case .q4_1: return 20    // f16 d, f16 m, 16 nibble bytes
        case .q5_0: return 22    // f16 d, u32 high bits, 16 nibble bytes
        case .q5_1: return 24    // f16 d, f16 m, u32 high bits, 16 nibble bytes
        case .q8_0: return 34    // f16 d, 32 int8
        case .q4_K: return 144   // f16 d, f16 dmin, 12 scale bytes, 128 nibble bytes
        case .q5_K: return 176   // f16 d, f16 dmin, 12 scale bytes, 32 high-bit bytes, 128 nibble bytes
        case .q6_K: return 210   // 128 low nibbles, 64 high 2-bit bytes, 16 int8 scales, f16 d
        case .q8_K: return 292   // f32 d, 256 int8, 16 int16 block sums
        }
    }

    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        case .q8_K: return "Q8_K"
        }
    }
}

/// Where one tensor lives in a GGUF file. `dims` are in GGUF order: dims[0] is the fastest (innermost) axis,
/// so a PyTorch (out, in) Linear weight has dims [in, out]. `offset` is absolute in the file.
public struct GGUFTensorInfo: Equatable, Sendable {
    public var name: String
    public var type: GGUFTensorType
    public var dims: [Int]
    public var offset: Int
    public var byteCount: Int
    public var elementCount: Int { dims.reduce(1, *) }
    /// The shape in PyTorch order (outermost first), e.g. [out, in].
    public var shape: [Int] { dims.reversed() }
}
