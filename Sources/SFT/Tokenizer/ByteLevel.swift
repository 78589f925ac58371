// ByteLevel: GPT-2's reversible byte <-> unicode mapping used by byte-level BPE vocabularies.
// Printable bytes (! .. ~, ¡ .. ¬, ® .. ÿ) map to themselves; the other 68 bytes map to U+0100 upward in order,
// so the space byte 0x20 becomes "Ġ" (U+0120) and newline 0x0A becomes "Ċ" (U+010A).
// Holds only the two tables; tokens are stored as raw bytes everywhere else.

public enum ByteLevel {
    /// byte -> unicode scalar value (256 entries).
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    /// unicode scalar value -> byte, for scalars below 324 (-1 when the scalar is not in the mapping).
    public static let scalarToByte: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in byteToScalar.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// "Ġhello" -> bytes of " hello". Scalars outside the mapping (only seen in hand-made vocabularies)
    /// contribute their own UTF-8 bytes.
    public static func decode(_ piece: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(piece.utf8.count)
        for s in piece.unicodeScalars {
            let v = Int(s.value)
            if v < scalarToByte.count, scalarToByte[v] >= 0 { out.append(UInt8(scalarToByte[v])) }
            else { out.append(contentsOf: Array(String(s).utf8)) }
        }
        return out
    }

    /// bytes of " hello" -> "Ġhello".
    public static func encode(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }
}
