// Counts in words: "1 step", "3 steps", "1 sample". One place, so messages never say "1 steps".
enum Plural {
    static func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }
}
