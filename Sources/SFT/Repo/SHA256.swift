// SHA-256 for the repository's blob names and `repo verify`: swift-crypto's (BoringSSL, with the CPU's SHA
// instructions where present), behind the small streaming API the repository uses. The hand-written one it
// replaced is benchmarks/ReferenceSHA256.swift; `sft-bench sha` prints both speeds (issue 14).
import Crypto
import Foundation

public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
    public mutating func update(_ data: Data) { hasher.update(data: data) }
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) } }
    public mutating func update(_ string: String) { update(Data(string.utf8)) }

    /// The 32-byte digest. The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] { Array(hasher.finalize()) }

    /// Lowercase hex of `finalize()`.
    public mutating func finalizeHex() -> String { SHA256.hex(finalize()) }

    public static func hash(_ data: Data) -> String {
        var s = SHA256()
        s.update(data)
        return s.finalizeHex()
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> String {
        var s = SHA256()
        s.update(bytes)
        return s.finalizeHex()
    }

    public static func hash(_ string: String) -> String { hash(Data(string.utf8)) }

    /// Hashes a file by reading it in 4 MiB chunks; returns the hex digest and the byte count.
    public static func hash(file path: String) throws -> (hex: String, size: Int64) {
        var s = SHA256()
        let size = try AtomicFile.readChunks(of: path) { s.update($0) }
        return (s.finalizeHex(), size)
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
