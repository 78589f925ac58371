// FloatBuffer: one 64-byte-aligned allocation of Float, owned by a class so views into it stay valid.
// View: a pointer into a FloatBuffer plus a shape. Parameters, gradients, Adam moments and activations
// are each one FloatBuffer carved into named Views (llm.c's ParameterTensors), so zeroing gradients is one
// fill and AdamW is one loop over a flat range.

import Glibc

public final class FloatBuffer: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Float>
    public let count: Int
    private let mappedBytes: Int     // > 0 when the memory came from mmap

    /// Zero-filled buffer of `count` floats. Large buffers come from anonymous mmap: page-aligned and zeroed
    /// lazily by the kernel, so loading a model touches each page once (while dequantizing into it) instead of
    /// zeroing 500 MB first (0.8 s of start-up).
    public init(count: Int) {
        precondition(count >= 0, "negative buffer size")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= 1 << 20, let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           p != MAP_FAILED {
            mappedBytes = bytes
            base = p.bindMemory(to: Float.self, capacity: max(count, 1))
        } else {
            mappedBytes = 0
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
            base.initialize(repeating: 0, count: max(count, 1))
        }
    }

    deinit {
        if mappedBytes > 0 { munmap(UnsafeMutableRawPointer(base), mappedBytes) } else { UnsafeMutableRawPointer(base).deallocate() }
    }

    public func zero() {
        let p = base
        Parallel.rows(count, minPerChunk: 1 << 18) { r in (p + r.lowerBound).update(repeating: 0, count: r.count) }
    }

    public var pointer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }
}

/// A shaped window into a FloatBuffer. Row-major; the last dimension is contiguous.
public struct View: @unchecked Sendable {
    public let ptr: UnsafeMutablePointer<Float>
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }

    public init(_ ptr: UnsafeMutablePointer<Float>, _ shape: [Int]) {
        self.ptr = ptr
        self.shape = shape
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: ptr, count: count) }

    /// The i-th slice along the first dimension, e.g. layer l of a (L, rows, cols) weight.
    public func slice(_ i: Int) -> View {
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        precondition(i >= 0 && i < shape[0], "slice \(i) out of range \(shape)")
        return View(ptr + i * n, inner)
    }

    public func toArray() -> [Float] { Array(buffer) }
    public func copy(from a: [Float]) {
        precondition(a.count == count, "copy of \(a.count) floats into view of \(count)")
        a.withUnsafeBufferPointer { ptr.update(from: $0.baseAddress!, count: count) }
    }
}

/// Hands out consecutive Views from one FloatBuffer. Used twice per layout: once to count, once to carve.
public struct Carver {
    public private(set) var used = 0
    let base: UnsafeMutablePointer<Float>?

    public init(counting: ()) { base = nil }
    public init(_ buffer: FloatBuffer) { base = buffer.base }

    public mutating func take(_ shape: [Int]) -> View {
        let n = shape.reduce(1, *)
        // Round each view up to 16 floats (64 bytes) so every view is aligned for SIMD.
        let offset = used
        used += (n + 15) / 16 * 16
        return View((base ?? UnsafeMutablePointer<Float>(bitPattern: 64)!) + offset, shape)
    }
}
