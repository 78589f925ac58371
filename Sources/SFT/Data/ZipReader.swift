// A small ZIP reader for .xlsx files: finds the end-of-central-directory record, lists the entries, and
// extracts one by name (stored or DEFLATE, CRC-checked). No ZIP64, no encryption, no writing: spreadsheets
// of chat data do not need them, and each is refused with a clear error.
import Foundation

public struct ZipEntry: Equatable, Sendable {
    public var name: String
    public var method: Int              // 0 stored, 8 deflate
    public var crc: UInt32
    public var compressedSize: Int
    public var uncompressedSize: Int
    public var localHeaderOffset: Int
}

public struct ZipReader {
    public let path: String
    public let bytes: [UInt8]
    public private(set) var entries: [ZipEntry] = []

    /// Caps against zip bombs: one part may inflate to at most `maxEntrySize` bytes, and an entry over 1 MB
    /// at most `maxRatio` times its compressed size (text XML compresses 5-20x; a bomb 1000x and more).
    public static let maxFileSize: Int64 = 1 << 30
    public static let maxEntrySize = 512 << 20
    public static let maxRatio = 200

    public init(path: String) throws {
        let data = try RegularFile.read(path, limit: Self.maxFileSize, what: ".xlsx file")
        try self.init(bytes: [UInt8](data), path: path)
    }

    public init(bytes: [UInt8], path: String = "<memory>") throws {
        self.path = path
        self.bytes = bytes
        entries = try readCentralDirectory()
    }

    func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
    func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }

    func corrupt(_ what: String) -> SFTError {
        SFTError("not a readable ZIP/.xlsx file: \(what)",
                 hint: "the file is truncated or not a spreadsheet; re-save it from Excel/LibreOffice as .xlsx", file: path)
    }

    func readCentralDirectory() throws -> [ZipEntry] {
        // The EOCD record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
        guard bytes.count >= 22 else { throw corrupt("too short (\(bytes.count) bytes)") }
        var eocd = -1
        var o = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while o >= lowest {
            if bytes[o] == 0x50, bytes[o + 1] == 0x4B, bytes[o + 2] == 0x05, bytes[o + 3] == 0x06 { eocd = o; break }
            o -= 1
        }
        guard eocd >= 0 else { throw corrupt("no end-of-central-directory record") }
        let count = u16(eocd + 10)
        let dirSize = u32(eocd + 12), dirOffset = u32(eocd + 16)
        if count == 0xFFFF || dirOffset == 0xFFFF_FFFF { throw corrupt("ZIP64 archives are not supported") }
        guard dirOffset + dirSize <= eocd else { throw corrupt("central directory lies outside the file") }
        var list: [ZipEntry] = []
        var p = dirOffset
        for _ in 0..<count {
            guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw corrupt("bad central directory entry") }
            let flags = u16(p + 8)
            let nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32)
            guard p + 46 + nameLen <= eocd else { throw corrupt("bad central directory entry") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            if flags & 1 != 0 { throw corrupt("entry \(name) is encrypted") }
            list.append(ZipEntry(name: name, method: u16(p + 10), crc: UInt32(u32(p + 16)),
                                 compressedSize: u32(p + 20), uncompressedSize: u32(p + 24),
                                 localHeaderOffset: u32(p + 42)))
            p += 46 + nameLen + extraLen + commentLen
        }
        return list
    }

    public func entry(_ name: String) -> ZipEntry? { entries.first { $0.name == name } }

    /// The uncompressed bytes of `name`; throws if it is missing, corrupt, or fails its CRC.
    public func extract(_ name: String) throws -> [UInt8] {
        guard let e = entry(name) else { throw corrupt("missing part \(name)") }
        let h = e.localHeaderOffset
        guard h + 30 <= bytes.count, u32(h) == 0x0403_4B50 else { throw corrupt("bad local header for \(name)") }
        let start = h + 30 + u16(h + 26) + u16(h + 28)
        guard start + e.compressedSize <= bytes.count else { throw corrupt("\(name) is cut off") }
        if e.uncompressedSize > Self.maxEntrySize || (e.uncompressedSize > 1 << 20 && e.uncompressedSize / max(1, e.compressedSize) > Self.maxRatio) {
            throw SFTError("\(name) declares \(ByteCount.text(Int64(e.uncompressedSize))) from \(ByteCount.text(Int64(e.compressedSize))) compressed, past the limits (\(ByteCount.text(Int64(Self.maxEntrySize))), \(Self.maxRatio)x)",
                           hint: "this looks like a zip bomb, not a spreadsheet; re-save it from Excel/LibreOffice", file: path)
        }
        let raw = Array(bytes[start..<(start + e.compressedSize)])
        let out: [UInt8]
        switch e.method {
        case 0: out = raw
        case 8:
            do { out = try Inflate.decompress(raw, expectedSize: e.uncompressedSize, limit: e.uncompressedSize) } catch let err as SFTError {
                throw corrupt("\(name): \(err.message)")
            }
        default: throw corrupt("\(name) uses compression method \(e.method) (only stored and deflate are supported)")
        }
        guard out.count == e.uncompressedSize, CRC32.checksum(out) == e.crc else { throw corrupt("\(name) fails its CRC check") }
        return out
    }
}
