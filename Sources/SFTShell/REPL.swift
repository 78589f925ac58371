// The interactive loop: prompt `sft> `, read a line with libedit, run it, repeat. Ctrl-C at the prompt gives a
// fresh prompt; Ctrl-C during a command stops it (see Signals); Ctrl-D or `quit` ends the loop (with an unsaved
// training run the first one warns and the second leaves). New history lines are appended to the history file
// after every command, so two shells on one $SFT_HOME both keep theirs. `chat` reads its turns through
// `session.readInput` with an up-arrow history of its own.
import Foundation
import SFT

public struct REPL {
    public let shell: Shell

    public init(shell: Shell) { self.shell = shell }

    public func run() -> Int32 {
        let session = shell.session
        session.interactive = true
        let editor = LineEditor(historyFile: session.paths.history)
        let readInput: (String) -> String? = { prompt in
            switch editor.read(prompt: prompt) {
            case .line(let l):
                editor.remember(l)
                return l
            case .interrupted: return ""
            case .endOfInput:
                fputs("\n", stdout)        // Ctrl-D leaves the cursor after the prompt: end that line
                fflush(stdout)
                return nil
            }
        }
        session.readInput = readInput
        session.useChatHistory = { editor.useChatHistory($0) }
        fputs("sft: fine-tune small language models on CPU. `help` lists commands; Ctrl-D or quit exits.\n", stdout)
        while !session.quitRequested {
            LineEditor.settingsForCompletion = session.settings
            LineEditor.namesForCompletion = session.completionNames()
            session.readInput = readInput        // a `run FILE` that was stopped midway cannot leave its own behind
            switch editor.read(prompt: "sft> ") {
            case .interrupted:
                continue
            case .endOfInput:
                fputs("\n", stdout)
                if !session.quitWarned, let warning = session.unsavedRunWarning() {
                    session.quitWarned = true
                    fputs(warning + "\nCtrl-D again (or `quit`) leaves without it\n", stdout)
                    continue
                }
                session.quitRequested = true
            case .line(let line):
                editor.remember(line)
                TerminalEcho.suppressed { shell.execute(line: line) }
                editor.saveHistory()
            }
        }
        editor.saveHistory()
        if session.serving.stop() { fputs("server stopped\n", stdout) }
        fflush(stdout)
        return 0
    }
}
