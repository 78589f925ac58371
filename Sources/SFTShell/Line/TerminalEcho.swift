// While a command runs at the interactive prompt the terminal does not echo keys: text typed during `train`
// was printed into its progress and status lines. What is typed ahead stays queued and appears at the next
// prompt (libedit echoes as it edits, and `chat` reads through libedit too); Ctrl-C still interrupts (ISIG is
// left alone). Scripts and pipes are not terminals and are untouched.
#if canImport(Glibc)
import Glibc
#endif

enum TerminalEcho {
    /// Runs `body` with the terminal's echo off (stdin a terminal), restoring the settings after.
    static func suppressed<R>(_ body: () -> R) -> R {
        guard isatty(STDIN_FILENO) == 1 else { return body() }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return body() }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer { _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        return body()
    }
}
