// sft-bench: training tokens/s and peak memory for SmolLM2-135M's shape (random weights), LoRA r8 on q,k,v,o
// and full fine-tuning, batch 4 x 256, forward+backward+AdamW per step, in fp32 and (where the CPU has BF16)
// bf16 products; real-data rows (200 conversations shaped like alpaca_zh_demo, trained tokens/s and wall time);
// then prefill and greedy decode tokens/s, and `serve`'s time to first token and decode speed next to `ask`'s
// (ServeBench.swift); LoRA and decode on a Qwen3-0.6B-shaped model (BigShapeBench.swift).
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

func train(_ label: String, key: String, lora loraConfig: LoRAConfig?, precision: ComputePrecision = .fp32,
           config: ModelConfig = cfg, steps timed: Int = steps) throws {
    resetPeak()
    MatMul.precision = precision
    defer { MatMul.precision = .fp32 }
    let model = Transformer(params: randomParams(config))
    let opt: AdamW
    if let lc = loraConfig {
        let lora = try LoRA(model: config, config: lc)
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
    for _ in 0..<timed {
        let (f, b, o) = try step()
        total += f + b + o
        FileHandle.standardError.write(String(format: "  %@ step: forward %.3fs backward %.3fs adamw %.3fs\n", label, f, b, o).data(using: .utf8)!)
    }
    let tps = Double(B * T * timed) / total
    if StageProfile.enabled {
        FileHandle.standardError.write("  \(label) per step by stage:\n\(StageProfile.report(per: Double(timed)))\n".data(using: .utf8)!)
        StageProfile.enabled = false
    }
    print(String(format: "train %@  B%dxT%d (%@): %.0f tok/s  peak %.2f GB", label, B, T, MatMul.precision.rawValue, tps, peakRSS()))
    print(String(format: "FIGURE train %@ tok_s=%.1f peak_gb=%.2f", key, tps, peakRSS()))
}

/// Conversations shaped like alpaca_zh_demo (mean ~360 tokens, 50 to 870, ~18% prompt), from one 64-bit LCG that
/// scripts/peer/peer_common.py repeats exactly, so the peer trains on the same token ids and masks.
func realConversations(_ count: Int, vocab: Int) -> [RenderedChat] {
    var state: UInt64 = 2024
    func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 40) / Double(1 << 24) }
    return (0..<count).map { _ in
        let n = 50 + Int(820 * Foundation.pow(uniform(), 1.6))
        let p = max(1, Int(Double(n) * (0.08 + 0.2 * uniform())))
        let ids = (0..<n).map { _ in Int32(100 + Int(uniform() * Double(vocab - 100))) }
        return RenderedChat(tokens: ids, trained: (0..<n).map { $0 >= p })
    }
}

/// Real-data rows: one epoch over the conversations as `train` runs it (batch-size 8 conversations, length-grouped
/// order, packed rows of max-seq-len 1024, AdamW), in the precision `auto` picks here. Trained tokens/s and seconds.
func trainReal(_ label: String, key: String, lora loraConfig: LoRAConfig?, count: Int) throws {
    resetPeak()
    MatMul.precision = MatMul.resolve("auto")
    defer { MatMul.precision = .fp32 }
    let model = Transformer(params: randomParams(cfg))
    if let lc = loraConfig { model.attach(lora: try LoRA(model: cfg, config: lc)) }
    var h = Hyperparameters()
    h.batchSize = 8; h.maxSeqLen = 1024; h.learningRate = 1e-4; h.warmupRatio = 0
    h.packing = ProcessInfo.processInfo.environment["SFT_PACKING"] != "off"
    let chats = realConversations(count, vocab: cfg.vocabSize)
    let tr = try Trainer(transformer: model, mode: loraConfig == nil ? .full : .lora, hyper: h, train: chats)
    var trained = 0, positions = 0
    StageProfile.enabled = ProcessInfo.processInfo.environment["SFT_PROFILE"] == "1"
    StageProfile.reset()
    let t0 = now()
    for _ in 0..<tr.stepsPerEpoch {
        let b = tr.nextBatches()
        trained += b.reduce(0) { $0 + $1.trainedTokens }; positions += b.reduce(0) { $0 + $1.mask.count }
        _ = try tr.step()
    }
    let secs = now() - t0
    if StageProfile.enabled {
        FileHandle.standardError.write("  \(label) real data, per step by stage:\n\(StageProfile.report(per: Double(tr.stepsPerEpoch)))\n".data(using: .utf8)!)
        StageProfile.enabled = false
    }
    print(String(format: "train %@ real %d conversations (%@, packing %@): %d trained tokens in %.1f s = %.0f tok/s (%d positions run)  peak %.2f GB",
                 label, count, MatMul.precision.rawValue, h.packing ? "on" : "off", trained, secs, Double(trained) / secs, positions, peakRSS()))
    print(String(format: "FIGURE train %@ tok_s=%.1f seconds=%.1f peak_gb=%.2f", key, Double(trained) / secs, secs, peakRSS()))
}

/// Prompt processing and greedy decode on the default model itself (as the peer does): 256 prompt tokens,
/// then 128 new tokens, ignoring end-of-turn so every run decodes the same count; then the same for
/// `quantize int8`'s copy of it, in the same run, so the two rows compare on one machine state.
func inference() throws {
    resetPeak()
    let model: Transformer
    if let path = ProcessInfo.processInfo.environment["SFT_MODEL"], let m = try? ChatModel.load(path: path) {
        model = m.transformer
    } else {
        FileHandle.standardError.write("  SFT_MODEL not set or not loadable: random weights of the same shape\n".data(using: .utf8)!)
        model = Transformer(params: randomParams(cfg))
    }
    try inference(model, label: "", key: "")
    try inference(Int8Model(params: model.params, lora: model.lora), label: "int8 ", key: "int8_")
}

func inference(_ model: DecodingModel, label: String, key: String, config: ModelConfig = cfg) throws {
    let prompt = Array(tokens[0..<256])
    let cache = KVCache(config: config, capacity: 512)
    _ = try model.prefill(Array(prompt[0..<16]), cache: cache)   // warm-up, and build the fp16 decode weights
    _ = try model.decodeStep(1, cache: cache)
    cache.reset()
    var t0 = now()
    var logits = try model.prefill(prompt, cache: cache)
    let pre = now() - t0
    print(String(format: "%@prefill 256 tokens: %.0f tok/s", label, 256 / pre))
    print(String(format: "FIGURE %@prefill tok_s=%.1f", key, 256 / pre))
    let n = 128
    t0 = now()
    for _ in 0..<n {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        logits = try model.decodeStep(Int32(best), cache: cache)
    }
    let dec = now() - t0
    print(String(format: "%@decode greedy %d tokens after 256: %.1f tok/s  peak %.2f GB", label, n, Double(n) / dec, peakRSS()))
    print(String(format: "FIGURE %@decode tok_s=%.1f", key, Double(n) / dec))
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

/// Issue 11's figure: `data score` (per-sample loss and IFD, forward only) on the default model over 64 chats
/// shaped like LLaMA-Factory's alpaca_zh_demo (a short Chinese instruction, a reply of ~100-300 characters),
/// next to LoRA training tokens/s (r8 q,k,v,o, Trainer steps) on the same chats and batch size. Both count
/// positions run (padding included), so the ratio compares like with like.
func scoring() throws {
    guard let path = ProcessInfo.processInfo.environment["SFT_MODEL"] else { return }
    let m = try ChatModel.load(path: path)
    let pool = Array("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严")
    var r = SplitMix64(seed: 11)
    func text(_ n: Int) -> String { String((0..<n).map { _ in pool[r.below(pool.count)] }) }
    let convs = (0..<64).map { _ in Conversation([Message(.user, text(8 + r.below(24))), Message(.assistant, text(100 + r.below(200)))]) }
    let d = Dataset(name: "alpaca-zh-like", conversations: convs)
    let (full, alone) = try m.scoringChats(d)
    // both halves in the shell's default precision (`precision auto`: bf16 products where the CPU has them)
    MatMul.precision = MatMul.resolve("auto")
    defer { MatMul.precision = .fp32 }
    let batch = 4, maxSeqLen = 1024
    let positions = (full + alone.compactMap { $0 }).reduce(0) { $0 + $1.tokens.count - 1 }
    _ = try SampleLosses.compute(transformer: m.transformer, chats: Array(full.prefix(8)), batchSize: batch, maxSeqLen: maxSeqLen)   // warm-up
    let profile = ProcessInfo.processInfo.environment["SFT_PROFILE"] == "1"
    StageProfile.enabled = profile; StageProfile.reset()
    let t0 = now()
    _ = try SampleLosses.scores(transformer: m.transformer, withInstruction: full, answerOnly: alone, batchSize: batch, maxSeqLen: maxSeqLen)
    let secs = now() - t0
    if profile {
        FileHandle.standardError.write("  data score, whole pass by stage:\n\(StageProfile.report())\n".data(using: .utf8)!)
        StageProfile.reset()
    }
    m.transformer.attach(lora: try LoRA(model: m.config, config: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o])))
    var h = Hyperparameters(); h.batchSize = batch; h.maxSeqLen = maxSeqLen
    let trainer = try Trainer(transformer: m.transformer, mode: .lora, hyper: h, train: full)
    _ = try trainer.step()   // warm-up
    var trainTokens = 0, trainSecs = 0.0
    for _ in 0..<steps {
        let n = trainer.nextBatches().reduce(0) { $0 + $1.mask.count }
        let t1 = now(); _ = try trainer.step(); trainSecs += now() - t1; trainTokens += n
    }
    if profile {
        FileHandle.standardError.write("  LoRA training on the same chats, \(steps) steps by stage:\n\(StageProfile.report())\n".data(using: .utf8)!)
        StageProfile.enabled = false
    }
    let scoreTPS = Double(positions) / secs, trainTPS = Double(trainTokens) / trainSecs
    print(String(format: "data score %d alpaca_zh-like chats (loss + IFD): %.1f samples/s, %.0f tok/s; LoRA training on them %.0f tok/s (%.2fx)",
                 d.count, Double(d.count) / secs, scoreTPS, trainTPS, scoreTPS / trainTPS))
    print(String(format: "FIGURE score samples_s=%.2f tok_s=%.1f train_tok_s=%.1f", Double(d.count) / secs, scoreTPS, trainTPS))
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
    gemmMicro()
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

/// The training step's product shapes (a 576 -> 1536 projection over 1024 tokens forward, dx, dW; the LM head
/// over a 512-row chunk) in OpenBLAS fp32, oneDNN fp32 and oneDNN bf16, interleaved so all three see the same
/// machine load (`sft-bench gemm`; GFLOP/s, best of 3 rounds).
func gemmMicro() {
    struct Shape { let name: String; let ta: Transpose; let tb: Transpose; let m, n, k: Int }
    let shapes = [Shape(name: "proj fwd x@W^T", ta: .none, tb: .transposed, m: 1024, n: 1536, k: 576),
                  Shape(name: "proj dx dy@W", ta: .none, tb: .none, m: 1024, n: 576, k: 1536),
                  Shape(name: "proj dW dy^T@x", ta: .transposed, tb: .none, m: 1536, n: 576, k: 1024),
                  Shape(name: "head fwd", ta: .none, tb: .transposed, m: 512, n: 49152, k: 576),
                  Shape(name: "head dx", ta: .none, tb: .none, m: 512, n: 576, k: 49152),
                  Shape(name: "head dW", ta: .transposed, tb: .none, m: 49152, n: 576, k: 512)]
    let savedEngine = MatMul.oneDNNEnabled, savedPrecision = MatMul.precision
    defer { MatMul.oneDNNEnabled = savedEngine; MatMul.precision = savedPrecision }
    let modes: [(String, Bool, ComputePrecision)] = [("openblas fp32", false, .fp32), ("onednn fp32", true, .fp32), ("onednn bf16", true, .bf16)]
    for s in shapes {
        let a = FloatBuffer(count: s.m * s.k), b = FloatBuffer(count: s.k * s.n), c = FloatBuffer(count: s.m * s.n)
        for i in 0..<a.count { a.base[i] = Float(i % 7) * 0.1 }
        for i in 0..<b.count { b.base[i] = Float(i % 5) * 0.1 }
        let lda = s.ta == .none ? s.k : s.m, ldb = s.tb == .none ? s.n : s.k
        var best = [Double](repeating: .infinity, count: modes.count)
        for _ in 0..<3 {
            for (i, mode) in modes.enumerated() {
                MatMul.oneDNNEnabled = mode.1; MatMul.precision = mode.2
                gemm(s.ta, s.tb, m: s.m, n: s.n, k: s.k, a: a.base, lda: lda, b: b.base, ldb: ldb, c: c.base, ldc: s.n)
                let t0 = now()
                for _ in 0..<3 { gemm(s.ta, s.tb, m: s.m, n: s.n, k: s.k, a: a.base, lda: lda, b: b.base, ldb: ldb, c: c.base, ldc: s.n) }
                best[i] = min(best[i], (now() - t0) / 3)
            }
        }
        let flops = 2 * Double(s.m * s.n * s.k)
        let cols = zip(modes, best).map { "\($0.0.0) " + String(format: "%.0f", flops / $0.1 / 1e9) }.joined(separator: ", ")
        // what bf16 spends rounding both fp32 operands before oneDNN multiplies them
        let pa = UnsafeMutablePointer<UInt16>.allocate(capacity: a.count), pb = UnsafeMutablePointer<UInt16>.allocate(capacity: b.count)
        defer { pa.deallocate(); pb.deallocate() }
        var round = Double.infinity
        for _ in 0..<3 {
            let t0 = now()
            roundToBF16(pa, a.base, rows: s.ta == .none ? s.m : s.k, cols: lda, ld: lda)
            roundToBF16(pb, b.base, rows: s.tb == .none ? s.k : s.n, cols: ldb, ld: ldb)
            round = min(round, now() - t0)
        }
        print("gemm \(s.name) \(s.m)x\(s.n)x\(s.k) GFLOP/s: \(cols); bf16 rounding of the operands \(String(format: "%.0f%%", round / best[2] * 100)) of the bf16 product")
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

/// `repo verify` speed: SHA-256 of a 256 MB file read in 4 MiB chunks (what verifying a blob does), best of 3.
/// swift-crypto (what the repository uses) against the hand-written reference it replaced (issue 14).
func shaVerify() throws {
    let path = NSTemporaryDirectory() + "sft-bench-sha-\(getpid()).bin"
    defer { try? FileManager.default.removeItem(atPath: path) }
    var bytes = [UInt8](repeating: 0, count: 256 << 20)
    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: (i &* 2_654_435_761) >> 7) }
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    var best = Double.infinity, bestOurs = Double.infinity
    for _ in 0..<3 {
        var t0 = now(); let a = try SHA256.hash(file: path).hex; best = min(best, now() - t0)
        t0 = now(); let b = try ReferenceSHA256.hash(file: path).hex; bestOurs = min(bestOurs, now() - t0)
        guard a == b else { throw SFTError("sha256 differs: swift-crypto \(a), hand-written \(b)") }
    }
    let mb = Double(bytes.count) / 1e6
    print(String(format: "repo verify (sha256 of 256 MB): swift-crypto %.0f MB/s, the hand-written one %.0f MB/s (%.2fx)",
                 mb / best, mb / bestOurs, bestOurs / best))
    print(String(format: "FIGURE verify-sha256 mb_s=%.0f", mb / best))
    print(String(format: "FIGURE verify-sha256-handwritten mb_s=%.0f", mb / bestOurs))
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
    if only == "gemm" { gemmMicro() }
    if only == "all" || only == "startup" { startup() }
    if only == "all" || only == "data" { try dataLoad() }
    if only == "all" || only == "sha" { try shaVerify() }
    if only == "all" || only == "score" { try scoring() }
    if only == "all" || only == "decode" { try inference() }
    if only == "all" || only == "serve" { try serveBench() }
    if only == "all" || only == "big" { try bigShape() }
    if only == "all" || only == "lora" { try train("lora r8 qkvo", key: "lora-qkvo", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o])) }
    if only == "all" || only == "lora-all" {
        try train("lora r8 all-linear", key: "lora-all", lora: LoRAConfig(rank: 8, alpha: 16, targets: LoRATarget.allCases))
    }
    if only == "all" || only == "full" { try train("full", key: "full", lora: nil) }
    // bf16 rows where the CPU multiplies bf16 natively (elsewhere they would only measure an emulation)
    if CPUFeatures.hasBF16 {
        if only == "all" || only == "lora" {
            try train("lora r8 qkvo bf16", key: "lora-qkvo-bf16", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o]), precision: .bf16)
        }
        if only == "all" || only == "lora-all" {
            try train("lora r8 all-linear bf16", key: "lora-all-bf16", lora: LoRAConfig(rank: 8, alpha: 16, targets: LoRATarget.allCases), precision: .bf16)
        }
        if only == "all" || only == "full" { try train("full bf16", key: "full-bf16", lora: nil, precision: .bf16) }
    }
    let real = Int(ProcessInfo.processInfo.environment["SFT_BENCH_REAL"] ?? "") ?? 200
    if (only == "all" || only == "real") && real > 0 {
        try trainReal("lora r8 qkvo", key: "real-lora", lora: LoRAConfig(rank: 8, alpha: 16, targets: [.q, .k, .v, .o]), count: real)
        try trainReal("full", key: "real-full", lora: nil, count: real)
    }
} catch {
    print("error: \(error)")
}
