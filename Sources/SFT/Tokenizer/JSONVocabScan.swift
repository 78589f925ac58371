// JSONVocabScan: reads the "vocab" object of a tokenizer.json as (token, id) pairs straight from the bytes.
// JSONSerialization hands back a Swift dictionary, whose String keys compare by canonical equivalence, so tokens
// such as "Å" (U+00C5) and "Å" (U+212B, ANGSTROM SIGN) fold into one entry and an id goes missing. This scanner
// keeps every pair with its exact scalars. It only reads the first "vocab" key whose value is an object; anything
// it does not understand returns nil and the caller keeps JSONSerialization's result.

enum JSONVocabScan {
    static func pairs(_ data: [UInt8]) -> [(String, Int)]? {
        let key = Array("\"vocab\"".utf8)
        var p = 0
        func ws() { while p < data.count && (data[p] == 32 || data[p] == 9 || data[p] == 10 || data[p] == 13) { p += 1 } }
        // Find "vocab" : {
        var start = -1
        var from = 0
        while start < 0 {
            guard let k = find(key, in: data, from: from) else { return nil }
            p = k + key.count
            ws()
            if p < data.count && data[p] == 58 { p += 1; ws(); if p < data.count && data[p] == 123 { start = p + 1 } }
            from = k + 1
        }
        p = start
        var out: [(String, Int)] = []
        ws()
        if p < data.count && data[p] == 125 { return out }
        while p < data.count {
            ws()
            guard let s = string(data, &p) else { return nil }
            ws()
            guard p < data.count, data[p] == 58 else { return nil }
            p += 1
            ws()
            var v = 0, digits = 0
            while p < data.count, data[p] >= 48, data[p] <= 57, digits < 12 { v = v * 10 + Int(data[p] - 48); p += 1; digits += 1 }
            guard digits > 0, digits < 12 else { return nil }
            out.append((s, v))
            ws()
            guard p < data.count else { return nil }
            if data[p] == 44 { p += 1; continue }
            if data[p] == 125 { return out }
            return nil
        }
        return nil
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard needle.count <= hay.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// A JSON string at data[p] (the opening quote), escapes decoded; p moves past the closing quote.
    static func string(_ data: [UInt8], _ p: inout Int) -> String? {
        guard p < data.count, data[p] == 34 else { return nil }
        p += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll(keepingCapacity: true) }
        func hex4() -> UInt32? {
            guard p + 4 <= data.count, let v = UInt32(String(decoding: data[p..<(p + 4)], as: UTF8.self), radix: 16) else { return nil }
            p += 4
            return v
        }
        while p < data.count {
            let b = data[p]
            if b == 34 { p += 1; flush(); return String(scalars) }
            if b != 92 { raw.append(b); p += 1; continue }
            p += 1
            guard p < data.count else { return nil }
            let e = data[p]
            p += 1
            switch e {
            case 34, 92, 47: raw.append(e)
            case 98: raw.append(8)
            case 102: raw.append(12)
            case 110: raw.append(10)
            case 114: raw.append(13)
            case 116: raw.append(9)
            case 117:
                guard var u = hex4() else { return nil }
                if u >= 0xD800 && u < 0xDC00, p + 6 <= data.count, data[p] == 92, data[p + 1] == 117 {
                    p += 2
                    guard let lo = hex4(), lo >= 0xDC00 && lo < 0xE000 else { return nil }
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                }
                flush()
                scalars.append(Unicode.Scalar(u) ?? "\u{FFFD}")
            default: return nil
            }
        }
        return nil
    }
}
