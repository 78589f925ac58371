// safetensors reader: a memory-mapped .safetensors file (u64 header length, JSON header, raw little-endian data)
// with F32/F16/BF16 tensors, and `SafetensorsCheckpoint`, one file or the shards listed in
// model.safetensors.index.json. Every shape and data_offsets pair is checked against the file before use.
import Foundation

public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    public var bytes: Int { self == .f32 ? 4 : 2 }
    var ggml: GGUFTensorType { switch self { case .f32: return .f32; case .f16: return .f16; case .bf16: return .bf16 } }
    /// config.json's torch_dtype for weights stored this way.
    public var torchName: String { switch self { case .f32: return "float32"; case .f16: return "float16"; case .bf16: return "bfloat16" } }
}

public struct SafetensorsTensorInfo: Equatable, Sendable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    public var offset: Int      // absolute in the file
    public var byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A JSON number that is exactly an integer (no fractions, no out-of-range doubles).
func exactInt(_ v: Any) -> Int? {
    guard let n = v as? NSNumber, let d = Optional(n.doubleValue), d.rounded() == d, abs(d) < 9e15 else { return nil }
    return Int(d)
}

public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let file: MappedFile
    public let tensors: [String: SafetensorsTensorInfo]
    public let metadata: [String: String]

    public init(path: String) throws {
        file = try MappedFile(path: path)
        self.path = path
        func bad(_ m: String) -> SFTError { SFTError(m, hint: "the file is not a valid safetensors file or is corrupt", file: path) }
        var r = ByteReader(file)
        let n = try r.read(UInt64.self, "header length")
        if n > UInt64(r.remaining) { throw bad("truncated file: header claims \(n) bytes but the file has \(file.size)") }
        if n > 100_000_000 { throw bad("header of \(n) bytes is too large (limit 100 MB)") }
        let header = try r.bytes(Int(n), "header")
        let dataStart = 8 + Int(n)
        let dataSize = file.size - dataStart
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(header)) } catch {
            throw bad("header is not valid JSON: \(error.localizedDescription)")
        }
        guard let dict = json as? [String: Any] else { throw bad("header is not a JSON object") }
        var infos: [String: SafetensorsTensorInfo] = [:]
        var meta: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, value) in dict {
            if name == "__metadata__" {
                if let m = value as? [String: Any] { for (k, v) in m { meta[k] = (v as? String) ?? "\(v)" } }
                continue
            }
            guard let t = value as? [String: Any], let dt = t["dtype"] as? String,
                  let shapeAny = t["shape"] as? [Any], let offs = t["data_offsets"] as? [Any], offs.count == 2 else {
                throw bad("tensor '\(name)': entry needs dtype, shape and data_offsets [begin, end]")
            }
            guard let dtype = SafetensorsDType(rawValue: dt) else {
                throw SFTError("tensor '\(name)' has dtype \(dt); sft reads F32, F16 and BF16", hint: "convert the checkpoint to float32, float16 or bfloat16", file: path)
            }
            var shape: [Int] = []
            var count = 1
            for s in shapeAny {
                guard let d = exactInt(s), d >= 0, d < 1 << 40 else { throw bad("tensor '\(name)': bad shape \(shapeAny)") }
                let (p, o) = count.multipliedReportingOverflow(by: d)
                if o || p > 1 << 40 { throw bad("tensor '\(name)': shape \(shapeAny) overflows") }
                shape.append(d); count = p
            }
            guard let b = exactInt(offs[0]), let e = exactInt(offs[1]), b >= 0, e >= b else {
                throw bad("tensor '\(name)': bad data_offsets \(offs)")
            }
            if e > dataSize { throw bad("tensor '\(name)': data_offsets [\(b), \(e)] run past the end of the data (\(dataSize) bytes); the file is truncated") }
            if e - b != count * dtype.bytes {
                throw bad("tensor '\(name)': data_offsets span \(e - b) bytes but shape \(shape) of \(dt) needs \(count * dtype.bytes)")
            }
            infos[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, offset: dataStart + b, byteCount: e - b)
            ranges.append((b, e, name))
        }
        ranges.sort { $0.0 < $1.0 }
        for i in ranges.indices.dropFirst() where ranges[i].0 < ranges[i - 1].1 {
            throw bad("tensors '\(ranges[i - 1].2)' and '\(ranges[i].2)' overlap")
        }
        tensors = infos
        metadata = meta
    }

    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let t = tensors[name] else { throw SFTError("tensor '\(name)' is missing", hint: "the checkpoint does not hold this model's weights", file: path) }
        return t
    }

    /// Converts tensor `name` to Float into `dst` of exactly `count` elements.
    public func read(_ name: String, into dst: UnsafeMutablePointer<Float>, count: Int) throws {
        let t = try info(name)
        if t.elementCount != count { throw SFTError("tensor '\(name)' has \(t.elementCount) elements (shape \(t.shape)), expected \(count)", file: path) }
        SFT.dequantize(t.dtype.ggml, file.base + t.offset, into: dst, count: count)
    }

    public func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        var out = [Float](repeating: 0, count: t.elementCount)
        try out.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!, count: t.elementCount) }
        return out
    }
}

/// A whole HF checkpoint: `model.safetensors`, or the shards named in `model.safetensors.index.json`.
public final class SafetensorsCheckpoint: @unchecked Sendable {
    public let directory: String
    public let files: [SafetensorsFile]
    /// Tensor name to the file holding it.
    public let location: [String: SafetensorsFile]

    public init(directory: String) throws {
        self.directory = directory
        let fm = FileManager.default
        let index = directory + "/model.safetensors.index.json"
        if fm.fileExists(atPath: index) {
            let data = try RegularFile.read(index, limit: 16 << 20, what: "safetensors index")
            guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = obj["weight_map"] as? [String: String] else {
                throw SFTError("cannot read weight_map", hint: "expected {\"weight_map\": {tensor: file}}", file: index)
            }
            var opened: [String: SafetensorsFile] = [:]
            var loc: [String: SafetensorsFile] = [:]
            for shard in Set(map.values).sorted() {
                if shard.contains("/") || shard.hasPrefix(".") { throw SFTError("shard name '\(shard)' is not a plain file name", file: index) }
                opened[shard] = try SafetensorsFile(path: directory + "/" + shard)
            }
            for (name, shard) in map {
                guard let f = opened[shard], f.tensors[name] != nil else {
                    throw SFTError("index lists tensor '\(name)' in \(shard) but that shard does not hold it", file: index)
                }
                loc[name] = f
            }
            files = opened.keys.sorted().map { opened[$0]! }
            location = loc
        } else {
            let single = directory + "/model.safetensors"
            guard fm.fileExists(atPath: single) else {
                throw SFTError("no model.safetensors or model.safetensors.index.json", hint: "point at a Hugging Face model directory", file: directory)
            }
            let f = try SafetensorsFile(path: single)
            files = [f]
            location = f.tensors.mapValues { _ in f }
        }
    }

    public func file(for name: String) throws -> SafetensorsFile {
        guard let f = location[name] else {
            throw SFTError("tensor '\(name)' is missing", hint: "the checkpoint does not hold this model's weights", file: directory)
        }
        return f
    }
}
