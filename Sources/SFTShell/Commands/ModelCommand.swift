// `model load PATH` and `model info`: choose the active model (a GGUF file or an HF directory) and show what
// it is. Loading a new model replaces the active one; nothing else loaded (datasets, settings) is touched.
import ArgumentParser
import Foundation
import SFT

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Load a model or show the active one.",
        subcommands: [ModelLoad.self, ModelInfo.self])
}

struct ModelLoad: ShellCommand, CompletesPaths {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load a GGUF file or a Hugging Face directory (config.json, *.safetensors, tokenizer.json).")

    @Argument(help: "Path to a .gguf file or an HF model directory, `default`, or repo:NAME (full weights saved with save --full).")
    var path: String

    @Option(help: "Chat template when the model's own is missing or unknown: smollm2, qwen2, qwen2.5, qwen3, chatml, llama3, gemma3, llama2, mistral.")
    var template: String?

    @Flag(help: "Load even when the training run has unsaved steps (they are dropped).")
    var force = false

    mutating func run(session: Session) throws {
        try session.refuseToDropUnsavedRun("model load \(path)", force: force)
        let dropped = session.droppedParts(adapters: true)
        func sayDropped() {
            if !dropped.isEmpty { session.out.print("dropped " + dropped.joined(separator: " and ") + " (they belonged to the previous model)") }
        }
        if path.hasPrefix("repo:") {   // full weights saved with `save NAME --full` (RepoCommand.swift)
            let m = try session.loadModelFromRepo(String(path.dropFirst(5)), template: template)
            session.setModel(m)
            session.repoState.modelOrigin = String(path.dropFirst(5))
            session.repoState.adapterOrigin = nil
            session.out.print("loaded repo:\(path.dropFirst(5)) on \(m.name): \(ModelInfo.summary(m))")
            return sayDropped()
        }
        let target: String
        if path == "default" {
            guard let p = DefaultModel.path() else {
                throw SFTError("the default model (\(DefaultModel.fileName)) was not found", hint: DefaultModel.notFoundHint)
            }
            target = p
        } else {
            target = (path as NSString).expandingTildeInPath
        }
        let m = try ChatModel.load(path: target, template: template)
        session.setModel(m)
        session.repoState.modelOrigin = nil
        session.repoState.adapterOrigin = nil
        session.out.print("loaded \(m.name): \(ModelInfo.summary(m))")
        if let w = m.templateWarning { session.out.print("warning: " + w) }
        sayDropped()
        session.out.note(String(format: "loaded in %.2f s", m.loadSeconds))
    }
}

struct ModelInfo: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the active model: architecture, size, vocabulary, chat template, memory.")

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let c = m.config
        var t = Table([Table.Column("what"), Table.Column("value")], showHeader: false)
        t.add(["name", m.name])
        t.add(["path", Self.displayPath(m.path)])
        t.add(["architecture", "\(c.architecture.rawValue)\(c.attentionBias ? " (q/k/v biases)" : "")\(c.qkNorm ? " (q/k norms per head)" : "")"])
        t.add(["parameters", Self.millions(m.parameterCount)])
        t.add(["layers", "\(c.numLayers) x (hidden \(c.hiddenSize), heads \(c.numHeads), kv heads \(c.numKVHeads), head dim \(c.headDim), ffn \(c.intermediateSize))"])
        t.add(["vocabulary", "\(m.tokenizer.vocabSize) tokens (\(m.tokenizer.preTokenizer.rawValue) pre-tokenizer)"])
        t.add(["context", "\(c.maxPositions) tokens, rope theta \(Self.number(Double(c.ropeTheta)))\(Self.ropeScaling(c.ropeScaling))"])
        if let w = Self.slidingWindow(c) { t.add(["attention", w]) }
        t.add(["embeddings", c.tiedEmbeddings ? "tied (lm_head = token embedding)" : "untied"])
        t.add(["chat template", "\(m.template.name) (from \(m.templateSource))"])
        t.add(["stop tokens", m.stopTokens.map { m.tokenizer.piece($0) }.joined(separator: " ")])
        t.add(["memory", Format.size(m.params.count * 4) + " fp32 weights"])
        session.out.print(lines: t.render())
    }

    /// ", llama3 rope scaling x32 (original 8192)" or the GGUF divisors' range; empty without scaling.
    static func ropeScaling(_ s: RoPEScaling?) -> String {
        switch s {
        case nil: return ""
        case let .llama3(factor, _, _, original)?: return ", llama3 rope scaling x\(Self.number(Double(factor))) (original \(original))"
        case let .freqFactors(f)?: return ", rope frequency factors \(Self.number(Double(f.min() ?? 1)))..\(Self.number(Double(f.max() ?? 1)))"
        }
    }

    /// Gemma 3's interleaved layers: "sliding window 512 on 15 of 18 layers (rope theta 10000), rest global" (fits
    /// `model info` at 80 columns); nil when every layer attends to the whole context.
    static func slidingWindow(_ c: ModelConfig) -> String? {
        guard let w = c.slidingWindow, let layers = c.slidingLayers, layers.contains(true) else { return nil }
        let n = layers.filter { $0 }.count
        var s = "sliding window \(w) on \(n) of \(layers.count) layers"
        if let t = c.ropeLocalTheta { s += " (rope theta \(number(Double(t))))" }
        if n < layers.count { s += ", rest global" }
        return s
    }

    static func summary(_ m: ChatModel) -> String {
        "\(m.config.architecture.rawValue), \(millions(m.parameterCount)) parameters, \(m.config.numLayers) layers, "
            + "vocab \(m.tokenizer.vocabSize), template \(m.template.name)"
    }

    /// Paths under the working directory are shown relative to it, so transcripts read the same on any machine.
    static func displayPath(_ p: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return p.hasPrefix(cwd) ? String(p.dropFirst(cwd.count)) : p
    }

    static func millions(_ n: Int) -> String { Format.big(n) }
    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}

extension Session {
    /// The active model, or an error that says how to get one.
    public func requireModel() throws -> ChatModel {
        guard let m = model else {
            throw SFTError("no model loaded", hint: "model load default, or model load PATH (a .gguf file or an HF directory)")
        }
        return m
    }
}
