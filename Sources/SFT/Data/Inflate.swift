// Raw DEFLATE decoder (RFC 1951) and CRC-32, so .xlsx files (ZIP archives) load without a dependency.
// Follows the structure of zlib's reference decoder `puff.c`: canonical Huffman tables as (count per
// length, symbols sorted by code), decoded one bit at a time. Simple and fast enough for spreadsheets
// (tens of MB/s); not a general-purpose zlib. Every malformed input throws, nothing traps.

public enum Inflate {
    /// Decompresses raw DEFLATE data (no zlib/gzip header). `expectedSize` pre-sizes the output; the output
    /// may not grow past `limit` bytes (a zip bomb stops there with an error instead of filling memory).
    public static func decompress(_ input: [UInt8], expectedSize: Int = 0, limit: Int = Int.max) throws -> [UInt8] {
        var s = InflateState(input)
        s.limit = limit
        s.out.reserveCapacity(min(max(0, expectedSize), limit))
        var last = false
        repeat {
            last = try s.bits(1) == 1
            switch try s.bits(2) {
            case 0: try s.stored()
            case 1: try s.codes(InflateState.fixedLength, InflateState.fixedDistance)
            case 2: try s.dynamic()
            default: throw SFTError("invalid DEFLATE block type 3", hint: "the compressed data is corrupt")
            }
        } while !last
        return s.out
    }
}

/// A canonical Huffman code: how many codes of each length 0...15, and the symbols in code order.
struct Huffman {
    var count = [Int](repeating: 0, count: 16)
    var symbol: [Int]

    /// Builds the code from per-symbol lengths; throws on an over-subscribed set. Incomplete codes are
    /// allowed only for a single-code distance tree (RFC 1951 permits that), checked by the caller.
    init(lengths: [Int]) throws {
        symbol = [Int](repeating: 0, count: lengths.count)
        for l in lengths { count[l] += 1 }
        var left = 1
        for len in 1..<16 {
            left <<= 1
            left -= count[len]
            if left < 0 { throw SFTError("over-subscribed Huffman code in DEFLATE data", hint: "the compressed data is corrupt") }
        }
        var offs = [Int](repeating: 0, count: 16)
        for len in 1..<15 { offs[len + 1] = offs[len] + count[len] }
        for (sym, l) in lengths.enumerated() where l != 0 {
            symbol[offs[l]] = sym
            offs[l] += 1
        }
    }
}

struct InflateState {
    let input: [UInt8]
    var pos = 0
    var bitBuf: UInt32 = 0
    var bitCount = 0
    var out: [UInt8] = []
    var limit = Int.max

    init(_ input: [UInt8]) { self.input = input }

    func checkLimit() throws {
        if out.count > limit { throw SFTError("DEFLATE data inflates past \(limit) bytes", hint: "the archive declares less than it holds (a zip bomb?)") }
    }

    static let corrupt = "the compressed data is corrupt or truncated"

    mutating func bits(_ need: Int) throws -> Int {
        var v = bitBuf
        while bitCount < need {
            guard pos < input.count else { throw SFTError("DEFLATE data ends early", hint: Self.corrupt) }
            v |= UInt32(input[pos]) << UInt32(bitCount)
            pos += 1
            bitCount += 8
        }
        bitBuf = v >> UInt32(need)
        bitCount -= need
        return Int(v & ((1 << UInt32(need)) - 1))
    }

    mutating func stored() throws {
        bitBuf = 0; bitCount = 0  // drop to a byte boundary
        guard pos + 4 <= input.count else { throw SFTError("stored DEFLATE block ends early", hint: Self.corrupt) }
        let len = Int(input[pos]) | Int(input[pos + 1]) << 8
        let nlen = Int(input[pos + 2]) | Int(input[pos + 3]) << 8
        pos += 4
        guard len == (~nlen & 0xFFFF) else { throw SFTError("stored DEFLATE block length check fails", hint: Self.corrupt) }
        guard pos + len <= input.count else { throw SFTError("stored DEFLATE block ends early", hint: Self.corrupt) }
        out.append(contentsOf: input[pos..<(pos + len)])
        pos += len
        try checkLimit()
    }

    /// Decodes one symbol: walk code lengths 1...15, comparing against the first code of each length.
    mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            code |= try bits(1)
            let count = h.count[len]
            if code - count < first { return h.symbol[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw SFTError("invalid Huffman code in DEFLATE data", hint: Self.corrupt)
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                           4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static let fixedLength: Huffman = {
        var l = [Int](repeating: 8, count: 288)
        for s in 144..<256 { l[s] = 9 }
        for s in 256..<280 { l[s] = 7 }
        return (try? Huffman(lengths: l)) ?? Huffman.emptyFallback
    }()
    static let fixedDistance: Huffman = (try? Huffman(lengths: [Int](repeating: 5, count: 30))) ?? Huffman.emptyFallback

    mutating func codes(_ lencode: Huffman, _ distcode: Huffman) throws {
        while true {
            let sym = try decode(lencode)
            if sym < 256 { out.append(UInt8(sym)); if out.count > limit { try checkLimit() }; continue }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw SFTError("invalid length symbol \(sym) in DEFLATE data", hint: Self.corrupt) }
            let len = Self.lengthBase[li] + (try bits(Self.lengthExtra[li]))
            let di = try decode(distcode)
            guard di < 30 else { throw SFTError("invalid distance symbol \(di) in DEFLATE data", hint: Self.corrupt) }
            let dist = Self.distBase[di] + (try bits(Self.distExtra[di]))
            guard dist <= out.count else { throw SFTError("DEFLATE distance \(dist) reaches before the start", hint: Self.corrupt) }
            let from = out.count - dist
            for k in 0..<len { out.append(out[from + k]) }
            try checkLimit()
            if Cancellation.requested { throw SFTError("cancelled while decompressing") }
        }
    }

    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    mutating func dynamic() throws {
        let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw SFTError("too many codes in a dynamic DEFLATE block", hint: Self.corrupt) }
        var lengths = [Int](repeating: 0, count: 19)
        for k in 0..<ncode { lengths[Self.codeLengthOrder[k]] = try bits(3) }
        let lencode = try Huffman(lengths: lengths)
        var all = [Int]()
        all.reserveCapacity(nlen + ndist)
        while all.count < nlen + ndist {
            let sym = try decode(lencode)
            if sym < 16 { all.append(sym); continue }
            var value = 0, repeatCount: Int
            if sym == 16 {
                guard let prev = all.last else { throw SFTError("DEFLATE repeat with no previous length", hint: Self.corrupt) }
                value = prev
                repeatCount = 3 + (try bits(2))
            } else if sym == 17 {
                repeatCount = 3 + (try bits(3))
            } else {
                repeatCount = 11 + (try bits(7))
            }
            guard all.count + repeatCount <= nlen + ndist else { throw SFTError("too many DEFLATE code lengths", hint: Self.corrupt) }
            all.append(contentsOf: repeatElement(value, count: repeatCount))
        }
        guard all[256] != 0 else { throw SFTError("DEFLATE block has no end-of-block code", hint: Self.corrupt) }
        try codes(try Huffman(lengths: Array(all[0..<nlen])), try Huffman(lengths: Array(all[nlen...])))
    }
}

extension Huffman {
    /// Never used in practice: the fixed tables are valid; this keeps their construction free of `try!`.
    static let emptyFallback = Huffman(count: [Int](repeating: 0, count: 16), symbol: [])
    init(count: [Int], symbol: [Int]) { self.count = count; self.symbol = symbol }
}

/// CRC-32 (IEEE, as in ZIP and PNG), table-driven.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
