// The interactive line reader over system libedit's readline-compatible API: prompt, editing keys, a persistent
// history file (HistoryFile.swift; chat messages get an up-arrow history of their own, in memory), Tab completion
// through Completer (names, and paths where a folder ends in `/`), and Ctrl-C at the prompt (the SIGINT handler
// sets Cancellation; readline returns, we drop the line).
// libedit keeps global state, so this is one shared instance.
import CLibEdit
import Foundation
import SFT

public final class LineEditor {
    public enum Input { case line(String), interrupted, endOfInput }

    private let historyFile: URL
    /// Shell commands (from the file, then this session's), chat messages, and shell lines not yet written.
    private var shellLines: [String] = []
    private var chatLines: [String] = []
    private var unsaved: [String] = []
    private var chatting = false
    /// The settings the completer reads (setting names and choices).
    nonisolated(unsafe) static var settingsForCompletion = Settings()
    /// Dataset, repository entry and notebook names the completer offers (refreshed before each line).
    nonisolated(unsafe) static var namesForCompletion = CompletionNames()

    public init(historyFile: URL) {
        self.historyFile = historyFile
        // libedit decodes keys by the C locale: without a UTF-8 LC_CTYPE, typed Chinese text is dropped.
        setlocale(LC_CTYPE, "")
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" { setlocale(LC_CTYPE, "C.UTF-8") }
        rl_readline_name = UnsafePointer(strdup("sft"))
        rl_catch_signals = 0            // our SIGINT handler, not libedit's (which re-raises to the whole group)
        rl_getc_function = LineEditor.getKey
        rl_attempted_completion_function = LineEditor.complete
        rl_completion_append_character = 32   // space after a unique match
        using_history()
        stifle_history(Int32(HistoryFile.limit))
        shellLines = HistoryFile.read(historyFile)
        for l in shellLines { add_history(l) }
    }

    /// Reads one line with the prompt.
    public func read(prompt: String) -> Input {
        Cancellation.reset()
        guard let raw = readline(prompt) else {
            if Cancellation.requested {
                Cancellation.reset()
                fputs("\n", stdout); fflush(stdout)
                return .interrupted
            }
            return .endOfInput
        }
        defer { free(raw) }
        let line = String(cString: raw)
        if Cancellation.requested {      // Ctrl-C came while the line was being returned: drop it
            Cancellation.reset()
            return .interrupted
        }
        return .line(line)
    }

    /// Adds a line to the history in use (not blanks, not a repeat of the previous line). Shell commands are
    /// also queued for the history file.
    public func remember(_ line: String) {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return }
        if let last = history_get(history_base + history_length - 1), let text = last.pointee.line,
           String(cString: text) == line { return }
        add_history(line)
        if chatting { chatLines.append(line) } else { shellLines.append(line); unsaved.append(line) }
    }

    /// Appends the shell lines not yet written to the history file (creating $SFT_HOME if needed). Appending,
    /// not rewriting: another sft on the same $SFT_HOME keeps the lines it wrote meanwhile. The file is cut
    /// back to its last `HistoryFile.limit` lines when it grows past twice that.
    public func saveHistory() {
        guard !unsaved.isEmpty else { return }
        if (try? HistoryFile.append(unsaved, to: historyFile)) != nil { unsaved = [] }
    }

    /// Switches the up-arrow history between chat messages (this process's chats) and shell commands.
    public func useChatHistory(_ chat: Bool) {
        guard chat != chatting else { return }
        chatting = chat
        clear_history()
        for l in (chat ? chatLines : shellLines).suffix(HistoryFile.limit) { add_history(l) }
    }

    // MARK: key input

    /// libedit's key reader: one Unicode scalar per call (libedit's readline layer stores the int as the wide
    /// character, so UTF-8 is decoded here), or -1 (EOF) when Ctrl-C was pressed. Checking the flag before each
    /// blocking read closes the race where SIGINT lands while libedit is redrawing, not waiting in read().
    private static let getKey: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { _ in
        func byte() -> Int32 {
            var b: UInt8 = 0
            while true {
                if Cancellation.requested { return -1 }
                let n = Glibc.read(STDIN_FILENO, &b, 1)
                if n == 1 { return Int32(b) }
                if n < 0 && errno == EINTR { continue }      // loop re-checks the flag
                return -1                                   // EOF or error
            }
        }
        let first = byte()
        guard first >= 0x80 else { return first }
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        guard extra > 0 else { return first }
        var scalar = first & (0x3F >> Int32(extra))
        for _ in 0..<extra {
            let next = byte()
            guard next >= 0x80, next < 0xC0 else { return next < 0 ? -1 : first }
            scalar = scalar << 6 | (next & 0x3F)
        }
        return scalar
    }

    // MARK: completion callbacks (C function pointers: no captures, state in statics)

    private static let complete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, start, end in
        let buffer = rl_line_buffer.map { String(cString: $0) } ?? ""
        let prefix = String(decoding: buffer.utf8.prefix(Int(end)), as: UTF8.self)
        let word = text.map { String(cString: $0) } ?? ""
        rl_attempted_completion_over = 1      // never libedit's own file completion: it adds a space after a folder
        let candidates = Completer.candidates(forLine: prefix, settings: LineEditor.settingsForCompletion,
                                              names: LineEditor.namesForCompletion) ?? Completer.paths(word)
        guard let c = Completer.completion(of: word, among: candidates) else { return nil }
        rl_completion_append_character = c.appendSpace ? 32 : 0
        // libedit's match array (malloc'd; libedit frees it): [0] replaces the word; with several matches
        // [1...] are what it lists; NULL-terminated, with a spare NULL because libedit reads [2] for one match.
        let items = [c.insert] + c.listed
        let slots = items.count + 2
        guard let raw = calloc(slots, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else { return nil }
        let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: slots)
        for (i, item) in items.enumerated() { array[i] = strdup(item) }
        return array
    }
}
