// ANSI colour, only when stdout is a terminal and NO_COLOR is unset or empty (https://no-color.org), so
// transcripts and pipes never see escape codes. Every helper returns the text unchanged when colour is off.
import Foundation

public enum Colour {
    /// Decided once at start-up; tests and scripts may override.
    nonisolated(unsafe) public static var enabled: Bool = {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"] ?? ""
        return isatty(STDOUT_FILENO) == 1 && noColor.isEmpty
    }()

    public static func red(_ s: String) -> String { paint(s, "31") }
    public static func green(_ s: String) -> String { paint(s, "32") }
    public static func yellow(_ s: String) -> String { paint(s, "33") }
    public static func cyan(_ s: String) -> String { paint(s, "36") }
    public static func bold(_ s: String) -> String { paint(s, "1") }
    public static func dim(_ s: String) -> String { paint(s, "2") }

    static func paint(_ s: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}
