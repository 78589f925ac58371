// Memory a load will need is compared with what the machine has before anything is allocated, so a model or
// file asking for more than fits gets a sentence instead of an allocation abort that ends the session.
// "Available" is Linux's MemAvailable (free memory plus what the kernel can drop, without swapping).
import Foundation

public enum MemoryBudget {
    /// Bytes available now; nil where /proc/meminfo is missing (then no check is made).
    public static func availableBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Int64(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// Throws "this model needs 41.0 GB; 23.0 GB available" when `bytes` exceed what is available.
    public static func require(_ bytes: Int, for what: String, file: String? = nil) throws {
        guard let available = availableBytes(), Int64(bytes) > available else { return }
        throw SFTError("\(what) needs \(ByteCount.text(Int64(bytes))); \(ByteCount.text(available)) available",
                       hint: "use a smaller model, or close what else uses memory", file: file)
    }
}
