// sft-bench: training tokens/s and peak memory for SmolLM2-135M's shape (random weights), LoRA r8 on q,k,v,o
// and full fine-tuning, batch 4 x 256, forward+backward+AdamW per step; then prefill and greedy decode tokens/s,
// and `serve`'s time to first token and decode speed next to `ask`'s (ServeBench.swift).
// Figures go to stdout one per line; per-phase timings to stderr.
import Foundation
import SFT

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Peak resident memory of this process so far (VmHWM), in GB.
func peakRSS() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024 / 1024
}

/// Resets the peak so each figure is measured on its own (Linux: write 5 to clear_refs).
func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

func randomParams(_ cfg: ModelConfig) -> ParameterTensors {
    let p = ParameterTensors(config: cfg)
    var state: UInt64 = 1
    for (name, v) in p.named {
        let isNorm = name.hasSuffix("norm")
        for i in 0..<v.count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Float(state >> 40) / Float(1 << 24) * 2 - 1
            v.ptr[i] = isNorm ? 1 : u * 0.05
        }
    }
    return p
}

let args = CommandLine.arguments
let cfg = ModelConfig.smolLM2_135M
let (B, T) = (4, 256)
let steps = Int(ProcessInfo.processInfo.environment["SFT_BENCH_STEPS"] ?? "") ?? 3
var rng: UInt64 = 7
let tokens: [Int32] = (0..<(B * T + 1)).map { _ in rng = rng &* 6364136223846793005 &+ 1; return Int32((rng >> 33) % UInt64(cfg.vocabSize)) }
let input = Array(tokens[0..<(B * T)]), targets = Array(tokens[1...])
let mask = [Float](repeating: 1, count: B * T)

func train(_ label: String, key: String, lora loraConfig: LoRAConfig?) throws {
    resetPeak()
    let model = Transformer(params: randomParams(cfg))
    let opt: AdamW
    if let lc = loraConfig {
        let lora = try LoRA(model: cfg, config: lc)
        model.attach(lora: lora)
        opt = AdamW(count: lora.params.count)
    } else {
        model.enableFullGradients()
        opt = AdamW(count: model.params.count)
    }
    var first = true
    func step() throws -> (Double, Double, Double) {
        let t0 = now()
        if first { model.zeroGradients(); first = false }   // later steps: AdamW zeroes them as it reads them (as Trainer does)
        try model.forward(tokens: input, targets: targets, mask: mask, batch: B, length: T, needGradients: true)
        let t1 = now()
        model.backward()
        let t2 = now()
        if let lora = model.lora { opt.step(params: lora.params.base, grads: lora.grads.base, lr: 1e-4, zeroGradients: true) }
        else { opt.step(params: model.params.storage.base, grads: model.grads!.storage.base, lr: 1e-4, zeroGradients: true) }
        return (t1 - t0, t2 - t1, now() - t2)
    }
    _ = try step()   // warm-up
    StageProfile.enabled = ProcessInfo.processInfo.environment["SFT_PROFILE"] == "1"
    StageProfile.reset()
    var total = 0.0
    for _ in 0..<steps {
        let (f, b, o) = try step()
        total += f + b + o
        FileHandle.standardError.write(String(format: "  %@ step: forward %.3fs backward %.3fs adamw %.3fs\n", label, f, b, o).data(using: .utf8)!)
    }
    let tps = Double(B * T * steps) / total
    if StageProfile.enabled {
        FileHandle.standardError.write("  \(label) per step by stage:\n\(StageProfile.report(per: Double(steps)))\n".data(using: .utf8)!)
        StageProfile.enabled = false
    }
    print(String(format: "train %@  B%dxT%d: %.0f tok/s  peak %.2f GB", label, B, T, tps, peakRSS()))
    print(String(format: "FIGURE train %@ tok_s=%.1f peak_gb=%.2f", key, tps, peakRSS()))
}

/// Prompt processing and greedy decode on the default model itself (as the peer does): 256 prompt tokens,
/// then 128 new tokens, ignoring end-of-turn so every run decodes the same count.
func inference() throws {
    resetPeak()
    let model: Transformer
    if let path = ProcessInfo.processInfo.environment["SFT_MODEL"], let m = try? ChatModel.load(path: path) {
        model = m.transformer
    } else {
        FileHandle.standardError.write("  SFT_MODEL not set or not loadable: random weights of the same shape\n".data(using: .utf8)!)
        model = Transformer(params: randomParams(cfg))
    }
    let prompt = Array(tokens[0..<256])
    let cache = KVCache(config: cfg, capacity: 512)
    _ = try model.prefill(Array(prompt[0..<16]), cache: cache)   // warm-up, and build the fp16 decode weights
    _ = try model.decodeStep(1, cache: cache)
    cache.reset()
    var t0 = now()
    var logits = try model.prefill(prompt, cache: cache)
    let pre = now() - t0
    print(String(format: "prefill 256 tokens: %.0f tok/s", 256 / pre))
    print(String(format: "FIGURE prefill tok_s=%.1f", 256 / pre))
    let n = 128
    t0 = now()
    for _ in 0..<n {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        logits = try model.decodeStep(Int32(best), cache: cache)
    }
    let dec = now() - t0
    print(String(format: "decode greedy %d tokens after 256: %.1f tok/s  peak %.2f GB", n, Double(n) / dec, peakRSS()))
    print(String(format: "FIGURE decode tok_s=%.1f", Double(n) / dec))
}

/// Issue 4's figure: load 100k short messages-JSONL chats and tokenise each with the default model's chat
/// template (what `data load` then `data stats` does), in samples per second.
func dataLoad() throws {
    guard let path = ProcessInfo.processInfo.environment["SFT_MODEL"] else { return }
    let m = try ChatModel.load(path: path)
    let file = NSTemporaryDirectory() + "sft-bench-\(getpid()).jsonl"
    defer { try? FileManager.default.removeItem(atPath: file) }
    let parse = try benchmarkDataLoad(samples: 100_000, path: file)
    let t0 = now()
    let d = try DataLoader.load(file)
    let tokens = try m.renderAll(d.conversations).reduce(0) { $0 + $1.tokens.count }
    let secs = now() - t0
    print(String(format: "data load+tokenise %d chats: %.0f samples/s (%d tokens; parse alone %.0f samples/s)",
                 d.count, Double(d.count) / secs, tokens, parse.samplesPerSecond))
    print(String(format: "FIGURE data-load samples_s=%.0f", Double(d.count) / secs))
}

/// Start-up to a ready prompt with the default model: `sft -c quit`, best of 3 (after the first run warms caches).
func startup() {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sft").path
    guard FileManager.default.isExecutableFile(atPath: exe) else { return }
    var best = Double.infinity
    for _ in 0..<4 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-c", "quit"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let t0 = now()
        guard (try? p.run()) != nil else { return }
        p.waitUntilExit()
        best = min(best, now() - t0)
    }
    print(String(format: "start-up to a ready prompt with the default model: %.2f s", best))
    print(String(format: "FIGURE startup seconds=%.2f", best))
}

/// Raw OpenBLAS speed on this machine right now, so other figures can be read against it.
func micro() {
    let (m, n, k) = (1024, 1536, 576)
    let a = FloatBuffer(count: m * k), b = FloatBuffer(count: n * k), c = FloatBuffer(count: m * n)
    linearForward(c.base, a.base, b.base, rows: m, inFeatures: k, outFeatures: n)
    var t0 = now()
    for _ in 0..<10 { linearForward(c.base, a.base, b.base, rows: m, inFeatures: k, outFeatures: n) }
    print(String(format: "sgemm %dx%dx%d: %.0f GFLOP/s", m, n, k, 20 * Double(m * n * k) / (now() - t0) / 1e9))
    lowRankMicro()
    let w = FloatBuffer(count: 49152 * 576), y = FloatBuffer(count: 49152)
    linearForward(y.base, a.base, w.base, rows: 1, inFeatures: 576, outFeatures: 49152)
    t0 = now()
    for _ in 0..<10 { linearForward(y.base, a.base, w.base, rows: 1, inFeatures: 576, outFeatures: 49152) }
    print(String(format: "sgemv 49152x576: %.1f GB/s", 10 * Double(w.count * 4) / (now() - t0) / 1e9))
    let h = HalfMatrix(w.base, rows: 49152, cols: 576)
    t0 = now()
    for _ in 0..<10 { halfMatVec(y.base, h, a.base, accumulate: false) }
    print(String(format: "fp16 matvec 49152x576: %.1f GB/s (%.1f fp32-equivalent)", 10 * Double(w.count * 2) / (now() - t0) / 1e9,
                 10 * Double(w.count * 4) / (now() - t0) / 1e9))
}

/// AdamW over the full parameter count of SmolLM2-135M (`sft-bench adamw`, not part of `all`: 2 GB): the
/// update pass and the gradient-norm pass it starts with, three times each.
func adamwMicro() {
    let n = ParameterTensors(config: cfg).count   // mmap: untouched pages cost nothing
    let p = FloatBuffer(count: n), g = FloatBuffer(count: n)
    for i in 0..<n { g.base[i] = Float(i % 13) * 1e-3; p.base[i] = 0.01 }
    let opt = AdamW(count: n)
    opt.step(params: p.base, grads: g.base, lr: 1e-4)   // first touch of the moments
    for _ in 0..<3 {
        let t0 = now()
        opt.step(params: p.base, grads: g.base, lr: 1e-4)
        let t1 = now()
        _ = AdamW.globalNorm(g.base, n)
        print(String(format: "adamw %d parameters: step %.3f s (its gradient-norm pass alone %.3f s)", n, t1 - t0, now() - t1))
    }
}

/// LoRA r=8 products on a (1024, 576) input: sgemm against the row loops (best of 3 rounds of 100 calls).
func lowRankMicro() {
    let (n, d, r) = (1024, 576, 8)
    let x = FloatBuffer(count: n * d), dy = FloatBuffer(count: n * d), a = FloatBuffer(count: r * d), b = FloatBuffer(count: d * r)
    let xa = FloatBuffer(count: n * r), dxa = FloatBuffer(count: n * r), gb = FloatBuffer(count: d * r)
    for i in 0..<(n * d) { x.base[i] = Float(i % 7) * 0.1; dy.base[i] = Float(i % 5) * 0.1 }
    func best(_ body: () -> Void) -> Double {
        var t = Double.infinity
        for _ in 0..<3 { let t0 = now(); for _ in 0..<100 { body() }; t = min(t, (now() - t0) / 100) }
        return t * 1e3
    }
    let projGemm = best { linearForward(xa.base, x.base, a.base, rows: n, inFeatures: d, outFeatures: r) }
    let projLoop = best { lowRankProject(xa.base, x.base, a.base, n: n, inF: d, r: r) }
    let bwdGemm = best {
        gemm(.transposed, .none, m: d, n: r, k: n, alpha: 2, a: dy.base, lda: d, b: xa.base, ldb: r, beta: 1, c: gb.base, ldc: r)
        gemm(.none, .none, m: n, n: r, k: d, alpha: 2, a: dy.base, lda: d, b: b.base, ldb: r, c: dxa.base, ldc: r)
    }
    let bwdLoop = best { lowRankBackwardB(dxa.base, gb.base, dy.base, xa.base, b.base, n: n, outF: d, r: r, scale: 2) }
    print(String(format: "lora r8 x@A^T 1024x576: sgemm %.3f ms, loop %.3f ms; dy@B + dB: sgemm %.3f ms, loop %.3f ms",
                 projGemm, projLoop, bwdGemm, bwdLoop))
}

/// `plan`'s predicted time against the run that follows: the default model, the shipped sample chats (loop,
/// identity and general: 74 conversations), LoRA r8 on q,k,v,o, batch 8, one epoch. The prediction is what
/// `plan` prints: positions of every planned batch / the speed of one measured forward+backward.
func planAccuracy() throws {
    guard let path = ProcessInfo.processInfo.environment["SFT_MODEL"], FileManager.default.fileExists(atPath: path) else {
        print("FIGURE plan unavailable: SFT_MODEL is not set (make bench sets it)"); return
    }
    let model = try ChatModel.load(path: path)
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sessions/data")
    var convs: [Conversation] = []
    for f in ["loop.jsonl", "identity.jsonl", "general.jsonl"] { convs += try Dataset.load(root.appendingPathComponent(f).path).conversations }
    let chats = try model.renderAll(convs)
    model.transformer.attach(lora: try LoRA(model: model.config, config: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o])))
    var h = Hyperparameters()
    h.batchSize = 8; h.maxSeqLen = 256; h.learningRate = 1e-4
    let t = try Trainer(transformer: model.transformer, mode: .lora, hyper: h, train: chats)
    let speed = try t.measureSpeed(t.medianBatch())
    var plan = TrainPlan.make(t.plan, hyper: h, from: t.position, steps: t.totalSteps)
    plan.tokensPerSecond = speed
    let predicted = plan.predictedSeconds ?? 0
    let run = TrainingRun(trainer: t)
    let t0 = now()
    _ = try run.train(steps: t.totalSteps, seconds: nil, rng: nil)
    let measured = now() - t0
    let err = abs(predicted - measured) / measured * 100
    FileHandle.standardError.write(Data(String(format: "plan: %d steps, predicted %.1f s at %.0f tok/s, measured %.1f s\n", t.totalSteps, predicted, speed, measured).utf8))
    print(String(format: "FIGURE plan predicted_s=%.2f measured_s=%.2f error_pct=%.1f", predicted, measured, err))
}

do {
    let only = args.count > 1 ? args[1] : "all"
    if only == "all" || only == "plan" { try planAccuracy() }
    if only == "all" || only == "micro" { micro() }
    if only == "adamw" { adamwMicro() }
    if only == "all" || only == "startup" { startup() }
    if only == "all" || only == "data" { try dataLoad() }
    if only == "all" || only == "decode" { try inference() }
    if only == "all" || only == "serve" { try serveBench() }
    if only == "all" || only == "lora" { try train("lora r8 qkvo", key: "lora-qkvo", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o])) }
    if only == "all" || only == "lora-all" {
        try train("lora r8 all-linear", key: "lora-all", lora: LoRAConfig(rank: 8, alpha: 16, targets: LoRATarget.allCases))
    }
    if only == "all" || only == "full" { try train("full", key: "full", lora: nil) }
} catch {
    print("error: \(error)")
}
