// The interactive loop: prompt `sft> `, read a line with libedit, run it, repeat. Ctrl-C at the prompt gives a
// fresh prompt; Ctrl-C during a command stops it (see Signals); Ctrl-D or `quit` ends the loop, and the history
// file is written after every command and at the end.
import Foundation
import SFT

public struct REPL {
    public let shell: Shell

    public init(shell: Shell) { self.shell = shell }

    public func run() -> Int32 {
        let session = shell.session
        session.interactive = true
        let editor = LineEditor(historyFile: session.paths.history)
        session.readInput = { prompt in
            switch editor.read(prompt: prompt) {
            case .line(let l): return l
            case .interrupted: return ""
            case .endOfInput: return nil
            }
        }
        fputs("sft: fine-tune small language models on CPU. `help` lists commands; Ctrl-D or quit exits.\n", stdout)
        while !session.quitRequested {
            LineEditor.settingsForCompletion = session.settings
            LineEditor.namesForCompletion = session.completionNames()
            switch editor.read(prompt: "sft> ") {
            case .interrupted:
                continue
            case .endOfInput:
                fputs("\n", stdout)
                session.quitRequested = true
            case .line(let line):
                editor.remember(line)
                shell.execute(line: line)
                editor.saveHistory()
            }
        }
        editor.saveHistory()
        if session.serving.stop() { fputs("server stopped\n", stdout) }
        fflush(stdout)
        return 0
    }
}
