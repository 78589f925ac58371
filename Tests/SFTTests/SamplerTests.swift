// Sampler and RNG: each step (repetition penalty, temperature, top-k, top-p, min-p) against hand-computed
// expectations, seeded draws are reproducible, and RNG state round-trips through Codable.
import Foundation
import SFT
import XCTest

final class SamplerTests: XCTestCase {
    func testRNGMatchesReferenceAndRestores() throws {
        var r = RNG(seed: 42)
        // xoshiro256** seeded by SplitMix64(42), from a Python transcription of the reference algorithm.
        XCTAssertEqual([r.next(), r.next(), r.next()], [1546998764402558742, 6990951692964543102, 12544586762248559009])
        let saved = try JSONEncoder().encode(r)
        var restored = try JSONDecoder().decode(RNG.self, from: saved)
        XCTAssertEqual(r.next(), restored.next())
        for _ in 0..<1000 { let d = r.nextDouble(); XCTAssert(d >= 0 && d < 1) }
    }

    func testGreedyAndPenalty() {
        let logits: [Float] = [1, 3, 2, -1]
        XCTAssertEqual(Sampler.argmax(logits), 1)
        var rng = RNG(seed: 1)
        XCTAssertEqual(Sampler.sample(logits: logits, seen: [], config: .greedy, rng: &rng), 1)
        XCTAssertEqual(rng, RNG(seed: 1), "greedy draws no randomness")
        var p = logits
        Sampler.applyRepetitionPenalty(&p, seen: [1, 3, 3], penalty: 2)
        XCTAssertEqual(p, [1, 1.5, 2, -2])
        XCTAssertEqual(Sampler.sample(logits: logits, seen: [1, 3], config: SamplerConfig(temperature: 0, repetitionPenalty: 2), rng: &rng), 2)
        XCTAssertEqual(Sampler.argmax([5, 5, 1]), 0, "ties go to the lowest id")
    }

    func testTemperatureAndTopK() {
        let logits: [Float] = [1, 3, 2, -1]
        let d = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 2))
        XCTAssertEqual(d.map(\.id), [1, 2, 0, 3])
        let z = [1.5, 1.0, 0.5, -0.5].map { exp($0) }, s = z.reduce(0, +)
        for (got, want) in zip(d.map(\.p), z.map { $0 / s }) { XCTAssertEqual(Double(got), want, accuracy: 1e-6) }
        let k = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 1, topK: 2))
        XCTAssertEqual(k.map(\.id), [1, 2])
        XCTAssertEqual(Double(k[0].p), exp(1) / (exp(1) + 1), accuracy: 1e-6)
        let tie = Sampler.distribution(logits: [0, 1, 1, 1], seen: [], config: SamplerConfig(temperature: 1, topK: 2))
        XCTAssertEqual(tie.map(\.id), [1, 2, 3], "tokens tied with the k-th are kept, as in HF")
    }

    func testTopPAndMinP() {
        let logits: [Float] = [0.5, 0.3, 0.15, 0.05].map { logf($0) }
        let p = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 1, topP: 0.75))
        XCTAssertEqual(p.map(\.id), [0, 1])
        XCTAssertEqual(p[0].p, 0.625, accuracy: 1e-6)
        let p2 = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 1, topP: 0.9))
        XCTAssertEqual(p2.map(\.id), [0, 1, 2])
        let m = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 1, minP: 0.4))
        XCTAssertEqual(m.map(\.id), [0, 1])
        XCTAssertEqual(m[1].p, 0.375, accuracy: 1e-6)
        let all = Sampler.distribution(logits: logits, seen: [], config: SamplerConfig(temperature: 1, topP: 0.01))
        XCTAssertEqual(all.map(\.id), [0], "top-p always keeps the best token")
    }

    func testSamplingFrequenciesAndReproducibility() {
        let logits: [Float] = [0.5, 0.3, 0.2].map { logf($0) }
        let cfg = SamplerConfig(temperature: 1)
        var a = RNG(seed: 7), b = RNG(seed: 7)
        var counts = [0, 0, 0]
        for _ in 0..<20000 {
            let x = Sampler.sample(logits: logits, seen: [], config: cfg, rng: &a)
            XCTAssertEqual(x, Sampler.sample(logits: logits, seen: [], config: cfg, rng: &b))
            counts[Int(x)] += 1
        }
        XCTAssertEqual(Double(counts[0]) / 20000, 0.5, accuracy: 0.02)
        XCTAssertEqual(Double(counts[2]) / 20000, 0.2, accuracy: 0.02)
    }
}
