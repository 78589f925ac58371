// Counts in words: "1 step", "3 steps", "1 sample". The shell's name for the core's Format.count, so messages
// never say "1 steps".
import SFT

enum Plural {
    static func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String { Format.count(n, noun, plural) }
}
