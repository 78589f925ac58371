// RoPE scaling: how Llama-3.1/3.2 stretch the rotary frequencies for a longer context than they were first
// trained on. Only the frequency table (RoPETable) changes; the rotation kernels stay as they are.
// Two spellings of the same thing: HF config.json `rope_scaling` {rope_type: "llama3", factor, low_freq_factor,
// high_freq_factor, original_max_position_embeddings}, and llama.cpp's GGUF, whose converter stores the result
// as a `rope_freqs.weight` tensor (HS/2) of per-frequency divisors and no metadata key.
import Foundation

public enum RoPEScaling: Codable, Equatable, Sendable {
    /// transformers' `_compute_llama3_parameters`: wavelengths above original/lowFreqFactor are divided by
    /// `factor`, those below original/highFreqFactor kept, the band between blended smoothly.
    case llama3(factor: Float, lowFreqFactor: Float, highFreqFactor: Float, originalMaxPositions: Int)
    /// llama.cpp's `rope_freqs.weight` (HS/2): inverse frequency i is divided by factors[i].
    case freqFactors([Float])

    /// The scaled inverse frequencies (HS/2) from the unscaled ones `inv` (theta^(-2i/HS), fp32), in fp32
    /// like transformers, so the table matches HF's to the last bit where it can.
    public func inverseFrequencies(_ inv: [Float]) -> [Float] {
        switch self {
        case .freqFactors(let f):
            return zip(inv, f).map { $0 / $1 }
        case let .llama3(factor, low, high, original):
            let old = Float(original)
            let lowWavelen = old / low, highWavelen = old / high
            return inv.map { f in
                let wavelen = 2 * Float.pi / f
                // forward (HF): inv_llama = wavelen > low_wavelen ? inv / factor : inv
                let scaled = wavelen > lowWavelen ? f / factor : f
                // medium band: (1 - smooth) * inv_llama / factor + smooth * inv_llama
                guard !(wavelen < highWavelen) && !(wavelen > lowWavelen) else { return scaled }
                let smooth = (old / wavelen - low) / (high - low)
                return (1 - smooth) * scaled / factor + smooth * scaled
            }
        }
    }

    /// The divisors llama.cpp stores in `rope_freqs.weight` (HS/2): unscaled / scaled inverse frequency,
    /// computed as its converter does (float64 over the fp32 frequencies).
    public func freqFactors(headDim: Int, theta: Float) -> [Float] {
        switch self {
        case .freqFactors(let f): return f
        case let .llama3(factor, low, high, original):
            let old = Double(original), (lowW, highW) = (old / Double(low), old / Double(high))
            return RoPETable.unscaledInverseFrequencies(headDim: headDim, theta: theta).map { f in
                let wavelen = 2 * Double.pi / Double(f)
                if wavelen < highW { return 1 }
                if wavelen > lowW { return factor }
                let smooth = (old / wavelen - Double(low)) / (Double(high) - Double(low))
                return Float(1 / ((1 - smooth) / Double(factor) + smooth))
            }
        }
    }

    /// Checks the numbers give a usable table for head size `headDim`; the message names the field.
    public func validate(headDim: Int) throws {
        func bad(_ m: String) -> SFTError { SFTError("model config: rope_scaling \(m)", hint: "check config.json / GGUF rope_freqs.weight") }
        switch self {
        case .freqFactors(let f):
            if f.count != headDim / 2 { throw bad("has \(f.count) frequency factors, expected head_dim / 2 = \(headDim / 2)") }
            if let x = f.first(where: { !($0.isFinite && $0 > 0) }) { throw bad("frequency factor \(x) must be positive") }
        case let .llama3(factor, low, high, original):
            if !(factor.isFinite && factor > 0) { throw bad("factor \(factor) must be positive") }
            if !(low.isFinite && low > 0) { throw bad("low_freq_factor \(low) must be positive") }
            if !(high.isFinite && high > low) { throw bad("high_freq_factor \(high) must be larger than low_freq_factor \(low)") }
            if original <= 0 || original > 1 << 24 { throw bad("original_max_position_embeddings \(original) is out of range") }
        }
    }

    /// What a GGUF `rope_freqs.weight` table means: nil when it changes nothing; `.llama3` when it is exactly
    /// what llama.cpp's converter writes for a Llama-3.x config (low 1, high 4, original 8192: every Llama 3.1
    /// and 3.2 ships those), so `export merged` can write rope_scaling back; else the raw divisors.
    public static func fromGGUF(factors f: [Float], headDim: Int, theta: Float) -> RoPEScaling? {
        if f.allSatisfy({ $0 == 1 }) { return nil }
        if let factor = f.max() {
            let guess = RoPEScaling.llama3(factor: factor, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192)
            let g = guess.freqFactors(headDim: headDim, theta: theta)
            if g.count == f.count && zip(g, f).allSatisfy({ abs($0 - $1) <= 1e-5 * abs($1) }) { return guess }
        }
        return .freqFactors(f)
    }

    /// The HF config.json `rope_scaling` object, nil when config.json cannot say it (raw GGUF divisors).
    public var hfConfig: [String: Any]? {
        guard case let .llama3(factor, low, high, original) = self else { return nil }
        func d(_ v: Float) -> Double { Double("\(v)") ?? Double(v) }
        return ["rope_type": "llama3", "factor": d(factor), "low_freq_factor": d(low), "high_freq_factor": d(high),
                "original_max_position_embeddings": original]
    }
}
