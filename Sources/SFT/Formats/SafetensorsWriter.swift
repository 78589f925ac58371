// safetensors writer, atomic (temp file, fsync, rename): header JSON with tensors in the order given, data
// converted from Float to F32/F16/BF16 on the way out, header padded with spaces to 8 bytes as the spec allows.
import Foundation

public struct SafetensorsWriter {
    public struct Entry {
        public var name: String
        public var shape: [Int]
        public var data: UnsafeBufferPointer<Float>
    }
    public private(set) var entries: [Entry] = []
    public var dtype: SafetensorsDType
    public var metadata: [String: String]

    public init(dtype: SafetensorsDType = .f32, metadata: [String: String] = ["format": "pt"]) {
        self.dtype = dtype
        self.metadata = metadata
    }

    /// Adds a tensor; `data` must stay valid until `write` returns (a View's buffer, for example).
    public mutating func add(_ name: String, shape: [Int], data: UnsafeBufferPointer<Float>) throws {
        if shape.reduce(1, *) != data.count { throw SFTError("tensor '\(name)': shape \(shape) does not hold \(data.count) values") }
        if entries.contains(where: { $0.name == name }) { throw SFTError("tensor '\(name)' added twice") }
        entries.append(Entry(name: name, shape: shape, data: data))
    }

    public func header() -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(jsonStringLiteral($0)):\(jsonStringLiteral(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        for e in entries {
            let n = e.data.count * dtype.bytes
            parts.append("\(jsonStringLiteral(e.name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + n)]}")
            offset += n
        }
        var h = Array("{\(parts.joined(separator: ","))}".utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        return h
    }

    public func write(to path: String) throws {
        try AtomicFile.write(to: path) { w in try writeBody(w) }
    }

    private func writeBody(_ w: AtomicFileWriter) throws {
        let h = header()
        try w.write(withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) })
        try w.write(h)
        let chunk = 1 << 16
        var buf = [UInt16](repeating: 0, count: chunk)
        for e in entries {
            if dtype == .f32 { try w.write(UnsafeRawBufferPointer(e.data)); continue }
            var i = 0
            while i < e.data.count {
                let n = min(chunk, e.data.count - i)
                for k in 0..<n { buf[k] = dtype == .f16 ? f16Bits(e.data[i + k]) : bf16Bits(e.data[i + k]) }
                try buf.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) }
                i += n
            }
        }
    }
}
