// LoRA adapters with PEFT semantics: for a target linear W (out, in), y = W x + (alpha/r) * B (A (dropout(x))),
// A (r, in) initialised kaiming-uniform(a = sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)) like PEFT, B (out, r) zeros.
// All adapters live in one FloatBuffer (and their gradients in another), per layer then per target, A before B.
// Targets are named q, k, v, o, gate, up, down (also accepted: q_proj ... down_proj).
// The base model is untouched until `merge(into:)`, which folds scale * B @ A into W for export.
import Foundation

public enum LoRATarget: String, CaseIterable, Sendable, Codable {
    case q, k, v, o, gate, up, down

    /// The HF module path under `model.layers.N.`, e.g. "self_attn.q_proj".
    public var hfModule: String {
        switch self {
        case .q, .k, .v, .o: return "self_attn.\(rawValue)_proj"
        case .gate, .up, .down: return "mlp.\(rawValue)_proj"
        }
    }

    /// Accepts "q" or "q_proj" (and so on).
    public init?(name: String) {
        let n = name.hasSuffix("_proj") ? String(name.dropLast(5)) : name
        self.init(rawValue: n)
    }

    /// (in, out) features of the linear this target wraps.
    public func dims(_ c: ModelConfig) -> (inFeatures: Int, outFeatures: Int) {
        switch self {
        case .q: return (c.hiddenSize, c.qDim)
        case .k, .v: return (c.hiddenSize, c.kvDim)
        case .o: return (c.qDim, c.hiddenSize)
        case .gate, .up: return (c.hiddenSize, c.intermediateSize)
        case .down: return (c.intermediateSize, c.hiddenSize)
        }
    }

    /// The base weight of layer l, (out, in).
    public func weight(_ p: ParameterTensors, layer l: Int) -> View {
        switch self {
        case .q: return p.wq.slice(l)
        case .k: return p.wk.slice(l)
        case .v: return p.wv.slice(l)
        case .o: return p.wo.slice(l)
        case .gate: return p.wGate.slice(l)
        case .up: return p.wUp.slice(l)
        case .down: return p.wDown.slice(l)
        }
    }
}

public struct LoRAConfig: Equatable, Sendable, Codable {
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    public var targets: [LoRATarget]   // kept in LoRATarget.allCases order
    public var seed: UInt64

    public init(rank: Int, alpha: Float, dropout: Float = 0, targets: [LoRATarget], seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = LoRATarget.allCases.filter { targets.contains($0) }
        self.seed = seed
    }

    public var scale: Float { alpha / Float(rank) }

    public func validate() throws {
        if rank <= 0 || rank > 4096 { throw SFTError("lora rank \(rank) is out of range", hint: "use a rank like 8 or 16") }
        if targets.isEmpty { throw SFTError("lora has no target modules", hint: "name some of q k v o gate up down") }
        if !(dropout >= 0 && dropout < 1) { throw SFTError("lora dropout \(dropout) must be in [0, 1)", hint: "0.05 is common") }
        if !(alpha > 0) { throw SFTError("lora alpha \(alpha) must be positive", hint: "alpha = 2 * rank is common") }
    }
}

public final class LoRA: @unchecked Sendable {
    public let config: LoRAConfig
    public let model: ModelConfig
    public let params: FloatBuffer   // every A and B
    public let grads: FloatBuffer    // same layout
    public var enabled = true
    private let aViews: [LoRATarget: [View]], bViews: [LoRATarget: [View]]
    private let gaViews: [LoRATarget: [View]], gbViews: [LoRATarget: [View]]

    /// A kaiming-uniform from `config.seed`, B zero.
    public init(model: ModelConfig, config: LoRAConfig) throws {
        try config.validate()
        self.config = config
        self.model = model
        func carve(_ k: inout Carver) -> ([LoRATarget: [View]], [LoRATarget: [View]]) {
            var a: [LoRATarget: [View]] = [:], b: [LoRATarget: [View]] = [:]
            for l in 0..<model.numLayers {
                for t in config.targets {
                    let (i, o) = t.dims(model)
                    a[t, default: []].append(k.take([config.rank, i]))
                    b[t, default: []].append(k.take([o, config.rank]))
                    _ = l
                }
            }
            return (a, b)
        }
        var counter = Carver(counting: ())
        _ = carve(&counter)
        params = FloatBuffer(count: counter.used)
        grads = FloatBuffer(count: counter.used)
        var kp = Carver(params), kg = Carver(grads)
        (aViews, bViews) = carve(&kp)
        (gaViews, gbViews) = carve(&kg)
        var rng = SplitMix64(seed: config.seed)
        for l in 0..<model.numLayers {
            for t in config.targets {
                let a = aViews[t]![l]
                let bound = 1 / Float(a.shape[1]).squareRoot()
                for j in 0..<a.count { a.ptr[j] = (rng.nextUnitFloat() * 2 - 1) * bound }
            }
        }
    }

    public func a(_ t: LoRATarget, layer: Int) -> View? { aViews[t]?[layer] }       // (r, in)
    public func b(_ t: LoRATarget, layer: Int) -> View? { bViews[t]?[layer] }       // (out, r)
    public func gradA(_ t: LoRATarget, layer: Int) -> View? { gaViews[t]?[layer] }
    public func gradB(_ t: LoRATarget, layer: Int) -> View? { gbViews[t]?[layer] }

    /// PEFT state-dict names without the "base_model.model." prefix, in storage order:
    /// "model.layers.0.self_attn.q_proj.lora_A.weight" (r, in), "...lora_B.weight" (out, r).
    public var named: [(String, View)] {
        var out: [(String, View)] = []
        for l in 0..<model.numLayers {
            for t in config.targets {
                out.append(("model.layers.\(l).\(t.hfModule).lora_A.weight", aViews[t]![l]))
                out.append(("model.layers.\(l).\(t.hfModule).lora_B.weight", bViews[t]![l]))
            }
        }
        return out
    }

    /// W += scale * B @ A for every adapter (the base weights then carry the adapters; disable or drop them after).
    public func merge(into p: ParameterTensors) {
        for l in 0..<model.numLayers {
            for t in config.targets {
                let (i, o) = t.dims(model)
                gemm(.none, .none, m: o, n: i, k: config.rank, alpha: config.scale, a: bViews[t]![l].ptr, lda: config.rank,
                     b: aViews[t]![l].ptr, ldb: i, beta: 1, c: t.weight(p, layer: l).ptr, ldc: i)
            }
        }
    }
}

extension ParameterTensors {
    /// A copy of these weights with `lora` (if enabled) merged in; self is untouched.
    public func mergedCopy(lora: LoRA?) -> ParameterTensors {
        let out = ParameterTensors(config: config)
        out.storage.base.update(from: storage.base, count: storage.count)
        if let lora, lora.enabled { lora.merge(into: out) }
        return out
    }
}
