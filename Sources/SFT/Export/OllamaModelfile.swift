// OllamaModelfile: the Modelfile `export ollama DIR` writes next to model.gguf, so `ollama create NAME -f
// DIR/Modelfile` serves the fine-tuned model with the same prompt text sft trains and chats with:
//   FROM ./model.gguf
//   TEMPLATE """<Go template over .Messages, see ExportOllamaTemplates.swift>"""
//   SYSTEM """<the system prompt, or the template's default system message>"""
//   PARAMETER stop "<|im_end|>"          one line per end token
//   PARAMETER temperature 0.7            sampling settings, only those that are set
// Pure text: the shell writes it (AtomicFile) and copies the GGUF.
import Foundation

/// Sampling settings as Ollama names them; nil leaves Ollama's default.
public struct OllamaParameters: Equatable, Sendable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var repeatPenalty: Double?
    public var seed: UInt64?
    public var numPredict: Int?      // max new tokens
    public var numCtx: Int?          // context window
    public init(temperature: Double? = nil, topP: Double? = nil, topK: Int? = nil, repeatPenalty: Double? = nil,
                seed: UInt64? = nil, numPredict: Int? = nil, numCtx: Int? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repeatPenalty = repeatPenalty
        self.seed = seed
        self.numPredict = numPredict
        self.numCtx = numCtx
    }
}

public enum OllamaModelfile {
    /// `template`: a chat template name ExportChatTemplate accepts. `ggufFile`: path relative to the
    /// Modelfile (e.g. "model.gguf"). `system`: a system prompt baked into the model; nil keeps the
    /// template's default system message (SmolLM2, Qwen2/2.5), if any.
    public static func render(template: String, ggufFile: String, system: String?,
                              parameters: OllamaParameters = OllamaParameters()) throws -> String {
        let t = try ExportChatTemplate(named: template)
        for (what, text) in [("system prompt", system ?? ""), ("GGUF file name", ggufFile)] where text.contains("\"\"\"") {
            throw SFTError("the \(what) contains \"\"\", which a Modelfile cannot quote", hint: "remove the triple quotes")
        }
        if ggufFile.contains("\n") { throw SFTError("the GGUF file name contains a newline", hint: "rename the file") }
        let from = ggufFile.hasPrefix("/") || ggufFile.hasPrefix("./") || ggufFile.hasPrefix("../") ? ggufFile : "./" + ggufFile
        var out = "# Made by sft `export ollama`. Run: ollama create NAME -f Modelfile && ollama run NAME\n"
        out += "FROM \(from)\n"
        out += "TEMPLATE \"\"\"\(t.ollamaTemplate)\"\"\"\n"
        if let s = system ?? t.defaultSystem { out += "SYSTEM \"\"\"\(s)\"\"\"\n" }
        for stop in t.stopWords { out += "PARAMETER stop \"\(stop)\"\n" }
        let p = parameters
        if let v = p.temperature { out += "PARAMETER temperature \(number(v))\n" }
        if let v = p.topP { out += "PARAMETER top_p \(number(v))\n" }
        if let v = p.topK { out += "PARAMETER top_k \(v)\n" }
        if let v = p.repeatPenalty { out += "PARAMETER repeat_penalty \(number(v))\n" }
        if let v = p.seed { out += "PARAMETER seed \(v)\n" }
        if let v = p.numPredict { out += "PARAMETER num_predict \(v)\n" }
        if let v = p.numCtx { out += "PARAMETER num_ctx \(v)\n" }
        return out
    }

    /// Shortest decimal that reads back as the same Double ("0.7", "1", "1e-05").
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}
