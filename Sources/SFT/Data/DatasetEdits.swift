// Dataset edits people need before training, each returning a new value: `replace` (literal text in every
// message, for the {{name}} placeholders identity sets ship), `withSystem` (set or drop every sample's system
// prompt), a three-way `split` (train, valid, test), a seeded `mix` of several datasets by weight, and the
// order of samples by their scores (`data show --sort ppl|ifd`). Seeded draws use DataShuffleRNG.
import Foundation

extension Dataset {
    /// Replaces every occurrence of `from` with `to` (literal, case-sensitive) in every message.
    /// Returns the edited set (scores dropped when anything changed) and how many samples and occurrences changed.
    public func replacing(_ from: String, with to: String) throws -> (dataset: Dataset, samples: Int, occurrences: Int) {
        guard !from.isEmpty else { throw SFTError("the text to replace is empty", hint: "data replace NAME '{{name}}' Lumen") }
        var d = self, samples = 0, occurrences = 0
        for i in d.conversations.indices {
            var changed = false
            for k in d.conversations[i].messages.indices {
                let text = d.conversations[i].messages[k].content
                let n = text.components(separatedBy: from).count - 1
                guard n > 0 else { continue }
                occurrences += n; changed = true
                d.conversations[i].messages[k].content = text.replacingOccurrences(of: from, with: to)
            }
            if changed { samples += 1 }
        }
        if samples > 0 { d.scores = nil }
        return (d, samples, occurrences)
    }

    /// Every sample with `system` as its system prompt (nil removes them). Returns how many samples changed.
    public func withSystem(_ system: String?) throws -> (dataset: Dataset, changed: Int) {
        guard !isText else { throw SFTError("\(name) is plain text; it has no system prompts", hint: "system prompts belong to chat datasets") }
        if let system, system.isBlankText { throw SFTError("the system prompt is empty", hint: "give a text, or --drop to remove them") }
        var d = self, changed = 0
        for i in d.conversations.indices {
            var m = d.conversations[i].messages
            let old = m.first?.role == .system ? m.removeFirst().content : nil
            if let system { m.insert(Message(.system, system), at: 0) }
            if old != system { changed += 1 }
            d.conversations[i].messages = m
        }
        if changed > 0 { d.scores = nil }
        return (d, changed)
    }

    /// Train, validation and test parts: one seeded shuffle, round(fraction * count) samples for each held-out
    /// part (at least one when its fraction is positive), file order kept inside each part.
    public func split(validFraction: Double, testFraction: Double, seed: UInt64) throws -> (train: Dataset, valid: Dataset, test: Dataset) {
        guard validFraction >= 0, testFraction >= 0, validFraction + testFraction < 1 else {
            throw SFTError("--valid \(validFraction) and --test \(testFraction) must be >= 0 and leave some training data",
                           hint: "e.g. --valid 0.1 --test 0.1")
        }
        func part(_ f: Double) -> Int { f > 0 ? max(1, Int((f * Double(count)).rounded())) : 0 }
        let nValid = part(validFraction), nTest = part(testFraction)
        guard nValid + nTest < count else {
            throw SFTError("\(name) has \(Format.count(count, "sample")): too few for \(nValid) validation and \(nTest) test samples", hint: "use smaller fractions or more data")
        }
        var rng = DataShuffleRNG(seed: seed)
        let perm = rng.permutation(count)
        let valid = perm[0..<nValid].sorted(), test = perm[nValid..<(nValid + nTest)].sorted(), train = perm[(nValid + nTest)...].sorted()
        return (subset(train, name: name + ".train"), subset(valid, name: name + ".valid"), subset(test, name: name + ".test"))
    }

    /// A seeded mixture: part i gets round(size * w_i / sum w) samples, drawn without replacement while its
    /// samples last (then from a fresh shuffle: `repeated` names such parts), and the whole is shuffled. The
    /// default size is the largest that repeats nothing. All parts must be chats, or all text.
    public static func mix(_ parts: [(dataset: Dataset, weight: Double)], size: Int?, seed: UInt64,
                           name: String) throws -> (dataset: Dataset, taken: [Int], repeated: [String]) {
        guard !parts.isEmpty else { throw SFTError("nothing to mix", hint: "data mix NEW A:3 B:1") }
        for p in parts where !(p.weight > 0) || !p.weight.isFinite {
            throw SFTError("weight of \(p.dataset.name) must be a positive number, got \(p.weight)", hint: "data mix NEW A:3 B:1")
        }
        if parts.contains(where: { $0.dataset.isText != parts[0].dataset.isText }) {
            throw SFTError("cannot mix plain-text and chat datasets", hint: "mix chats with chats, text with text")
        }
        let total = parts.reduce(0) { $0 + $1.weight }
        let fullSize = parts.map { Double($0.dataset.count) * total / $0.weight }.min() ?? 0
        let n = size ?? Int(fullSize.rounded(.down))
        guard n >= 1 else { throw SFTError("the mix would be empty", hint: "give --size N") }
        var rng = DataShuffleRNG(seed: seed)
        var convs: [Conversation] = [], taken: [Int] = [], repeated: [String] = []
        for p in parts {
            let k = Int((Double(n) * p.weight / total).rounded())
            var got: [Int] = []
            while got.count < k { got += rng.permutation(p.dataset.count).prefix(k - got.count) }
            if k > p.dataset.count { repeated.append(p.dataset.name) }
            taken.append(k)
            convs += got.map { p.dataset.conversations[$0] }
        }
        let order = rng.permutation(convs.count)
        var d = Dataset(name: name, format: parts[0].dataset.format, conversations: order.map { convs[$0] })
        d.report.records = d.count; d.report.loaded = d.count
        return (d, taken, repeated)
    }

    /// Sample indices from the worst score down: by perplexity, or by IFD (samples without an IFD last).
    public func worst(by ifd: Bool) throws -> [Int] {
        guard let scores else { throw SFTError("\(name) has no scores", hint: "data score \(name) computes them (needs a model)") }
        func key(_ i: Int) -> Double {
            let v = ifd ? (scores[i].ifd ?? -.infinity) : scores[i].perplexity
            return v.isNaN ? -.infinity : v
        }
        return indices.sorted { key($0) != key($1) ? key($0) > key($1) : $0 < $1 }
    }

    var indices: Range<Int> { conversations.indices }
}
