// MappedFile: a whole file mapped read-only into memory (mmap), shared by the GGUF and safetensors readers.
// Weights are read straight from the mapping, so opening a 100 MB model costs no copy; the mapping lives as
// long as this object. `ByteReader` is a bounds-checked little-endian cursor over it: every read checks the
// remaining length first and throws an SFTError naming the file and byte offset, never traps.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let size: Int
    private let mapped: Bool

    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it by name.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            throw SFTError("cannot open: \(String(cString: strerror(errno)))", hint: "check the path", file: path)
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw SFTError("cannot stat file", file: path) }
        try RegularFile.require(st, path)
        size = Int(st.st_size)
        if size == 0 {
            // mmap of length 0 fails; an empty file is simply truncated.
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 64))
            mapped = false
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw SFTError("cannot map file: \(String(cString: strerror(errno)))", file: path)
        }
        base = UnsafeRawPointer(p)
        mapped = true
    }

    deinit {
        if mapped { munmap(UnsafeMutableRawPointer(mutating: base), size) }
        else { UnsafeMutableRawPointer(mutating: base).deallocate() }
    }
}

/// Little-endian cursor over [0, size) of a mapping. Every read is checked against the end.
public struct ByteReader {
    public let base: UnsafeRawPointer
    public let size: Int
    public let path: String
    public var offset: Int

    public init(_ file: MappedFile, offset: Int = 0) {
        base = file.base; size = file.size; path = file.path; self.offset = offset
    }

    public var remaining: Int { size - offset }

    public func truncated(_ what: String) -> SFTError {
        SFTError("truncated file: \(what) at byte \(offset) runs past the end (\(size) bytes)",
                 hint: "the file is incomplete or corrupt; download it again", file: path)
    }

    /// Throws unless `n` more bytes are available.
    public func need(_ n: Int, _ what: String) throws {
        if n < 0 || n > remaining { throw truncated(what) }
    }

    @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    public mutating func bytes(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        try need(n, what)
        let b = UnsafeRawBufferPointer(start: base + offset, count: n)
        offset += n
        return b
    }
}
