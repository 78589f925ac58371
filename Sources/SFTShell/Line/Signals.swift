// SIGINT (Ctrl-C) only sets Cancellation's flag; it never kills the shell. Installed without SA_RESTART so a
// blocking read at the prompt returns EINTR and the line editor hands back control (the REPL then clears the
// line); during a command, long loops see `Cancellation.requested` and stop at a safe point.
import Foundation
import SFT

public enum Signals {
    public static func installInterruptHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Cancellation.request() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
