// How wide the output may be: the terminal's columns when stdout is one (asked each time, so a resized window
// counts), else $COLUMNS when set, else no limit, so pipes and golden transcripts keep whole cells.
import Foundation

public enum Terminal {
    public static var columns: Int? {
        if isatty(STDOUT_FILENO) == 1 {
            var w = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col >= 20 { return Int(w.ws_col) }
        }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c >= 20 { return c }
        return nil
    }
}
