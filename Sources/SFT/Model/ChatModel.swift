// ChatModel: a model ready to chat and train: weights (ParameterTensors inside a Transformer), the tokenizer
// and the chat template read from the same GGUF file or HF directory. The shell keeps one active ChatModel;
// `ask`, `chat`, `tokens`, `data show --tokens` and training all go through it, so token counts are exactly
// what training sees.
import Foundation

extension GGUFFile: TokenizerMetadataSource {}

public final class ChatModel: @unchecked Sendable {
    public let name: String              // display name: file stem or directory name
    public let path: String
    public let config: ModelConfig
    public let transformer: Transformer
    public let tokenizer: BPETokenizer
    public let template: ChatTemplateKind
    public let templateSource: String    // "gguf", "tokenizer_config.json" or "forced"
    /// Set when the model's template is unknown and ChatML was chosen instead; the shell shows it once on load.
    public let templateWarning: String?
    public let loadSeconds: Double

    public var params: ParameterTensors { transformer.params }
    public var stopTokens: [Int32] { template.stopTokens(tokenizer: tokenizer) }

    init(name: String, path: String, loaded: LoadedModel, tokenizer: BPETokenizer, template: ChatTemplateKind,
         templateSource: String, templateWarning: String? = nil, seconds: Double) {
        self.name = name
        self.path = path
        self.config = loaded.config
        self.transformer = Transformer(params: loaded.params)
        self.tokenizer = tokenizer
        self.template = template
        self.templateSource = templateSource
        self.templateWarning = templateWarning
        self.loadSeconds = seconds
    }

    /// Loads a GGUF file or an HF directory (config.json, *.safetensors, tokenizer.json, tokenizer_config.json).
    /// `template` forces a chat template by name when the model's own is missing or unknown.
    public static func load(path: String, template forced: String? = nil) throws -> ChatModel {
        let t0 = Date()
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue,
           FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("adapter_config.json")) {
            throw SFTError("this is a LoRA adapter (PEFT), not a model", hint: "`lora load \(path)` attaches it to the loaded model", file: path)
        }
        let loaded = try loadModel(path: path)
        let tokenizer: BPETokenizer
        var templateText: String?
        switch loaded.source {
        case .gguf(let g):
            tokenizer = try BPETokenizer.fromGGUF(g, source: path)
            templateText = g.string("tokenizer.chat_template")
        case .huggingFace(let dir):
            let tj = (dir as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: tj) else {
                throw SFTError("no tokenizer.json in the model directory", hint: "an HF model directory needs tokenizer.json beside config.json", file: dir)
            }
            let names = try specialTokenNames(hfDirectory: dir)
            tokenizer = try BPETokenizer.fromTokenizerJSON(path: tj, bosToken: names.bos, eosToken: names.eos)
            templateText = try chatTemplateText(hfDirectory: dir)
        }
        if tokenizer.vocabSize > loaded.config.vocabSize {
            throw SFTError("tokenizer has \(tokenizer.vocabSize) tokens but the model's embedding has \(loaded.config.vocabSize) rows",
                           hint: "the tokenizer and weights come from different models", file: path)
        }
        let template: ChatTemplateKind
        let source: String
        var warning: String?
        if let forced {
            template = try ChatTemplateKind(name: forced)
            source = "forced"
        } else if let text = templateText {
            let detected = try ChatTemplateKind.detectOrFallback(templateText: text)
            template = detected.kind
            warning = detected.warning
            source = loaded.source.isGGUF ? "gguf" : "tokenizer_config.json"
        } else {
            throw SFTError("the model has no chat template", hint: "name one: model load PATH --template NAME (\(ChatTemplateKind.names))", file: path)
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return ChatModel(name: name, path: path, loaded: loaded, tokenizer: tokenizer, template: template,
                         templateSource: source, templateWarning: warning, seconds: Date().timeIntervalSince(t0))
    }

    /// tokenizer_config.json as a JSON object; nil when the directory has none.
    static func tokenizerConfig(hfDirectory dir: String) throws -> [String: Any]? {
        let p = (dir as NSString).appendingPathComponent("tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        // chat templates and added-token tables make it tens of KB; a hostile copy could make it any size
        let data = try RegularFile.read(p, limit: 16 << 20, what: "tokenizer_config.json")
        guard let j = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SFTError("tokenizer_config.json is not a JSON object", hint: "check the file", file: p)
        }
        return j
    }

    /// The BOS and EOS token names of tokenizer_config.json ("<s>", or {"content": "<s>", ...}; null for none): the
    /// [INST] templates write them, and EOS stops generation.
    static func specialTokenNames(hfDirectory dir: String) throws -> (bos: String?, eos: String?) {
        guard let j = try tokenizerConfig(hfDirectory: dir) else { return (nil, nil) }
        func name(_ v: Any?) -> String? { v as? String ?? (v as? [String: Any])?["content"] as? String }
        return (name(j["bos_token"]), name(j["eos_token"]))
    }

    /// The `chat_template` string of tokenizer_config.json, if any (a string or a list of named templates), else
    /// chat_template.jinja (where transformers 5 writes it).
    static func chatTemplateText(hfDirectory dir: String) throws -> String? {
        if let j = try tokenizerConfig(hfDirectory: dir) {
            if let s = j["chat_template"] as? String { return s }
            if let list = j["chat_template"] as? [[String: Any]] {
                return (list.first { ($0["name"] as? String) == "default" } ?? list.first)?["template"] as? String
            }
        }
        let jinja = (dir as NSString).appendingPathComponent("chat_template.jinja")
        return try? String(contentsOfFile: jinja, encoding: .utf8)
    }

    /// Renders a conversation the way training sees it: token ids and the trained mask.
    public func render(_ c: Conversation) throws -> RenderedChat {
        try template.render(c.messages, tools: c.tools ?? [], addGenerationPrompt: false, tokenizer: tokenizer)
    }

    /// Renders many conversations on every core (the tokenizer is thread-safe). Order is kept; the first
    /// error (in sample order) is thrown.
    public func renderAll(_ cs: [Conversation]) throws -> [RenderedChat] {
        var out = [RenderedChat?](repeating: nil, count: cs.count)
        var errors = [Error?](repeating: nil, count: cs.count)
        out.withUnsafeMutableBufferPointer { o in
            errors.withUnsafeMutableBufferPointer { e in
                Parallel.rows(cs.count, minPerChunk: 256) { range in
                    for i in range {
                        do { o[i] = try render(cs[i]) } catch { e[i] = error }
                    }
                }
            }
        }
        if let e = errors.first(where: { $0 != nil }) { throw e! }
        return out.map { $0! }
    }

    /// The prompt for generation: messages then the assistant header.
    public func prompt(_ messages: [Message]) throws -> [Int32] {
        try template.render(messages, addGenerationPrompt: true, tokenizer: tokenizer).tokens
    }

    /// Parameter count (tied head counted once).
    public var parameterCount: Int {
        params.named.reduce(0) { $0 + $1.1.count }
    }
}

extension ModelSource {
    var isGGUF: Bool { if case .gguf = self { return true } else { return false } }
}
