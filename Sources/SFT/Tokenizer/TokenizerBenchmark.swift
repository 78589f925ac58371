// TokenizerBenchmark: encodes N short synthetic chats (deterministic from a seed) on one core, for `make bench`
// and the throughput test. The chats mix common words, numbers, punctuation and a little Chinese, like SFT data.
import Foundation

public struct TokenizerBenchmarkResult: Sendable {
    public var samples: Int
    public var tokens: Int
    /// Wall-clock seconds.
    public var seconds: Double
    /// CPU seconds of the calling thread: the one-core figure, meaningful even when other processes share the core.
    public var cpuSeconds: Double
    public var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }
    public var samplesPerCPUSecond: Double { Double(samples) / max(cpuSeconds, 1e-9) }
    public var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }
}

public enum TokenizerBenchmark {
    static let words = ["the", "a", "model", "train", "data", "please", "explain", "how", "why", "what", "is", "are",
                        "you", "can", "help", "me", "with", "this", "code", "function", "error", "list", "write",
                        "short", "story", "about", "cat", "weather", "today", "Paris", "Python", "Swift", "thanks",
                        "summary", "question", "answer", "number", "time", "good", "great", "simple", "example"]
    static let extras = ["?", "!", ".", ",", " 42", " 2024", " 3.14", "\n", " 你好", " 世界", " (ok)", ": yes"]

    /// `samples` chats of 2-4 short turns each.
    public static func makeChats(samples: Int, seed: UInt64 = 1) -> [[Message]] {
        var rng = RNG(seed: seed)
        func sentence() -> String {
            var s = ""
            for k in 0..<(4 + Int(rng.next() % 12)) {
                s += (k == 0 ? "" : " ") + words[Int(rng.next() % UInt64(words.count))]
                if rng.next() % 5 == 0 { s += extras[Int(rng.next() % UInt64(extras.count))] }
            }
            return s
        }
        return (0..<samples).map { _ in
            var m: [Message] = []
            for _ in 0..<(1 + Int(rng.next() % 2)) { m.append(Message(.user, sentence())); m.append(Message(.assistant, sentence())) }
            return m
        }
    }

    /// Renders and tokenizes every chat with `template`; timing covers rendering + tokenization only.
    public static func run(tokenizer: BPETokenizer, template: ChatTemplateKind, samples: Int = 100_000) throws -> TokenizerBenchmarkResult {
        let chats = makeChats(samples: samples)
        let t0 = Date(), c0 = threadCPUTime()
        var tokens = 0
        for c in chats { tokens += try template.render(c, addGenerationPrompt: false, tokenizer: tokenizer).tokens.count }
        return TokenizerBenchmarkResult(samples: samples, tokens: tokens, seconds: Date().timeIntervalSince(t0),
                                        cpuSeconds: threadCPUTime() - c0)
    }

    static func threadCPUTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
