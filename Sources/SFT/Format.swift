// Numbers in messages, one way everywhere: counts with their noun ("1 step", "3 steps"), byte sizes in binary
// units ("512 B", "12.0 KiB", "3.4 MiB", "1.25 GiB"), big counts ("921.6 k", "3.69 M") and ranges in words
// ("1 to 24", never Swift's `1...24`). The shell and the core both call these, so a message never says "1 steps",
// mixes MB with MiB, or prints 3686400 where another says 3.69 M.

public enum Format {
    /// `n` and the noun, plural unless n is 1: "1 step", "2 steps"; irregular plurals are passed in ("1 entry",
    /// count(2, "entry", "entries")).
    public static func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }

    /// Bytes in binary units with one decimal (two for GiB): "512 B", "1.5 KiB", "538.0 MiB", "1.25 GiB".
    public static func size(_ bytes: Int64) -> String {
        let b = Double(bytes)
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1 << 20 { return fixed(b / 1024, 1) + " KiB" }
        if bytes < 1 << 30 { return fixed(b / 1_048_576, 1) + " MiB" }
        return fixed(b / 1_073_741_824, 2) + " GiB"
    }

    public static func size(_ bytes: Int) -> String { size(Int64(bytes)) }

    /// A count as a person reads it: exact below 10 000, then "12.3 k", "3.69 M", "1.20 G".
    public static func big(_ n: Int) -> String {
        let a = Double(abs(n)), sign = n < 0 ? "-" : ""
        if a >= 1e9 { return sign + fixed(a / 1e9, 2) + " G" }
        if a >= 1e6 { return sign + fixed(a / 1e6, 2) + " M" }
        if a >= 1e4 { return sign + fixed(a / 1e3, 1) + " k" }
        return String(n)
    }

    /// An inclusive range in words: "1 to 24"; a single value stays one number.
    public static func range(_ lo: Int, _ hi: Int) -> String { lo == hi ? "\(lo)" : "\(lo) to \(hi)" }

    /// `x` with `digits` decimals (no Foundation format strings: deterministic, locale-free).
    static func fixed(_ x: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (x * scale).rounded()
        let whole = Int(r / scale), frac = Int(r) - whole * Int(scale)
        guard digits > 0 else { return String(whole) }
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: digits - f.count) + f
    }
}
