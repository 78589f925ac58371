// How wide the output may be. Tables: the terminal's columns when stdout is one (asked each time, so a resized
// window counts), else $COLUMNS when set, else no limit, so pipes and golden transcripts keep whole cells.
// Layouts that always need a width (`compare` side by side, score tables): the terminal's, else 80.
import Foundation

public enum Terminal {
    /// Columns tables may use; nil: no limit.
    public static var columns: Int? {
        if let c = ttyColumns { return c }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c >= 20 { return c }
        return nil
    }

    /// The terminal's width, or 80 when stdout is not a terminal (scripts print the same everywhere).
    public static func width() -> Int { ttyColumns ?? 80 }

    /// The terminal's columns when stdout is one.
    static var ttyColumns: Int? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col >= 20 { return Int(w.ws_col) }
        return nil
    }
}
