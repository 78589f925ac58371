// What the exporters need for Gemma 3's chat format, kept apart until ExportChatTemplate gets its `gemma3` case
// (it maps to the native template Tokenizer/ChatTemplate.swift renders, written on another branch). The HF
// template (Gemma 3 instruct):  <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n
//                               <start_of_turn>model\n{assistant}<end_of_turn>\n ... <start_of_turn>model\n
// roles user and model, the system message folded into the first user turn, no default system message.

public enum Gemma3ExportTemplate {
    /// LLaMA-Factory's template name (src/llamafactory/data/template.py).
    public static let llamaFactoryName = "gemma3"

    /// Texts that end a reply: the end-of-turn token, then end-of-text.
    public static let stopWords = ["<end_of_turn>", "<eos>"]

    /// Ollama TEMPLATE: the HF rendering above without <bos> (llama.cpp adds it). A system message (the
    /// Modelfile's SYSTEM, which Ollama prepends) is held and written at the top of the next user turn.
    public static let ollamaTemplate = """
        {{- $system := "" }}{{- range .Messages }}{{- if eq .Role "system" }}{{ $system = .Content }}\
        {{- else if eq .Role "user" }}<start_of_turn>user
        {{ if $system }}{{ $system }}

        {{ $system = "" }}{{ end }}{{ .Content }}<end_of_turn>
        {{ else if eq .Role "assistant" }}<start_of_turn>model
        {{ .Content }}<end_of_turn>
        {{ end }}{{- end }}<start_of_turn>model

        """
}
