// One JSON string literal written by hand, for files whose JSON sft writes itself (the safetensors header, a
// SentencePiece tokenizer.json whose tokens must keep their exact scalars: JSONSerialization would fold keys that
// are canonically equal). Python-compatible tool-call text (\b, \f) is ToolCalls.string's job, not this one's.
import Foundation

/// `s` as a JSON string literal with its exact scalars (no normalization): quote, backslash and control characters
/// escaped (\n \r \t, others \u00XX), everything else as UTF-8.
func jsonStringLiteral(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
