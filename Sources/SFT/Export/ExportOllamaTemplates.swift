// The Ollama TEMPLATE (Go text/template over .Messages) of each chat template sft exports, written so Ollama sends
// the model the text HF's apply_chat_template renders (ChatTemplateFormats.swift), minus the leading BOS, which
// llama.cpp adds itself (add_bos_token). Ollama's server prepends the Modelfile's SYSTEM as a system message when a
// request's first message is not one: the HF templates' rule, so default system messages live in SYSTEM
// (OllamaModelfile writes it), not here. The generation prompt follows the last message.
// What Go templates cannot do: Jinja's `trim`. HF's Llama-3, Gemma 3 and Llama-2 templates strip whitespace at
// the ends of each message; these templates pass contents as they are, so the texts agree for messages without
// leading or trailing whitespace. ExportOllamaTests runs each template against sft's renderer.

extension ExportChatTemplate {
    public var ollamaTemplate: String {
        switch self {
        case .chatml, .smollm2, .qwen2, .qwen25:
            return "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n"
        case .qwen3:
            // Earlier replies show only their content (Qwen3 drops their think blocks); the generation prompt is
            // the non-thinking one (enable_thinking=False), as sft's.
            return "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n"
        case .llama3:
            return "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>"
                + "{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .llama31:
            // The system block always comes first, with the date header of HF's template (date_string fixed as
            // sft renders it) and the system message, if any, after it; the other turns as Llama-3's.
            return "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "{{ range .Messages }}{{ if eq .Role \"system\" }}{{ .Content }}{{ end }}{{ end }}<|eot_id|>"
                + "{{ range .Messages }}{{ if ne .Role \"system\" }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>"
                + "{{ end }}{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
        case .gemma3:
            // A system message is held in $system and written at the top of the next user turn.
            return """
                {{- $system := "" }}{{- range .Messages }}{{- if eq .Role "system" }}{{ $system = .Content }}
                {{- else if eq .Role "user" }}<start_of_turn>user
                {{ if $system }}{{ $system }}

                {{ $system = "" }}{{ end }}{{ .Content }}<end_of_turn>
                {{ else if eq .Role "assistant" }}<start_of_turn>model
                {{ .Content }}<end_of_turn>
                {{ end }}{{- end }}<start_of_turn>model

                """
        case .llama2:
            // Every user turn after the first opens with its own BOS ("</s><s>[INST]"); the first one's comes from
            // llama.cpp. The system message goes into the first user turn inside <<SYS>>. A prompt ends with " [/INST]".
            return """
                {{- $system := "" }}{{- $bos := "" }}{{- range .Messages }}{{- if eq .Role "system" }}{{ $system = .Content }}
                {{- else if eq .Role "user" }}{{ $bos }}[INST] {{ if $system }}<<SYS>>
                {{ $system }}
                <</SYS>>

                {{ $system = "" }}{{ end }}{{ .Content }} [/INST]{{ $bos = "<s>" }}
                {{- else if eq .Role "assistant" }} {{ .Content }} </s>
                {{- end }}{{- end }}
                """
        case .mistral:
            // The system message opens the first user turn, followed by a blank line. A prompt ends with " [/INST]".
            return """
                {{- $system := "" }}{{- range .Messages }}{{- if eq .Role "system" }}{{ $system = .Content }}
                {{- else if eq .Role "user" }} [INST] {{ if $system }}{{ $system }}

                {{ $system = "" }}{{ end }}{{ .Content }} [/INST]
                {{- else if eq .Role "assistant" }} {{ .Content }}</s>
                {{- end }}{{- end }}
                """
        }
    }
}
