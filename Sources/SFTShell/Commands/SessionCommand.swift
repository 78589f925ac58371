// `session save NAME` writes what was run (each successful command, its output as `# ` lines) to
// $SFT_HOME/sessions/NAME.sft, atomically; `sft NAME.sft` replays it. `session list` shows saved notebooks.
// `session save NAME` also writes (unless --no-state) the live state beside it and `session load NAME` restores it
// (SessionLoad.swift).
import ArgumentParser
import Foundation
import SFT

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Save, load or list session notebooks.",
        subcommands: [SessionSave.self, SessionLoad.self, SessionList.self])
}

struct SessionSave: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Write the commands run so far, with their outputs, to a replayable notebook.")

    @Argument(help: "Notebook name: letters, digits, '-', '_', '.' (saved as $SFT_HOME/sessions/NAME.sft).")
    var name: String

    @Flag(help: "Replace an existing notebook of that name.")
    var force = false

    @Flag(name: .customLong("no-state"), help: "Write only the notebook, not the live state (model, settings, datasets, adapter, training run) that `session load NAME` restores.")
    var noState = false

    mutating func run(session: Session) throws {
        let base = name.hasSuffix(".sft") ? String(name.dropLast(4)) : name
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard !base.isEmpty, !base.hasPrefix("."), base.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw SFTError("bad notebook name '\(name)'", hint: "use letters, digits, '-', '_' or '.', e.g. `session save lora-try1`")
        }
        try session.paths.ensure(session.paths.sessions)
        // One writer of the sessions folder at a time: another sft saving the same name waits for this one.
        let lock = session.paths.sessions.appendingPathComponent(".lock").path
        try FileLock.with(lock, exclusive: true, what: "the sessions folder") { try write(session, base: base) }
    }

    private func write(_ session: Session, base: String) throws {
        let url = session.paths.sessions.appendingPathComponent(base + ".sft")
        if FileManager.default.fileExists(atPath: url.path) && !force {
            throw SFTError("notebook '\(base)' exists", hint: "`session save \(base) --force` replaces it")
        }
        let text = Notebook.text(of: session.record)
        try AtomicFile.write(text, to: url)
        let n = session.record.filter(Notebook.keeps).count
        session.out.print("saved \(Plural.count(n, "command")) to \(url.path)")
        if !noState {
            do {
                session.out.print("saved the state to \(SessionStateIO.directory(session, base)): " + (try SessionStateIO.save(session, base: base)))
                session.run?.savedStep = session.run?.trainer.position.step
            } catch {
                // A failed state write (a full disk) leaves its temporary directory; the old state stays as it was.
                try? FileManager.default.removeItem(atPath: SessionStateIO.directory(session, base) + ".tmp-\(getpid())")
                throw error
            }
        }
    }
}

struct SessionList: ShellCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List saved notebooks.")

    mutating func run(session: Session) throws {
        let dir = session.paths.sessions
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".sft") }.sorted()
        if files.isEmpty { return session.out.print("no saved notebooks (`session save NAME` writes one)") }
        var t = Table([Table.Column("notebook"), Table.Column("commands", right: true)])
        for f in files {
            let text = (try? String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)) ?? ""
            let commands = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
            t.add([String(f.dropLast(4)), String(commands.count)])
        }
        session.out.print(lines: t.render())
    }
}

/// The notebook format: a header comment, then each command on its own line followed by its output as `# `
/// lines and a blank line. A command stopped part-way after doing work is written as what ran (`train 3` for a
/// `train 10` stopped after 3 steps), after a comment saying so and `#!unchecked` (its output is not compared on
/// replay). `session`, `quit`, `clear` and `chat` (its turns are not recorded) are left out; so are failed
/// commands and stopped ones that did nothing.
public enum Notebook {
    /// The first line; a script that starts with it is replayed as a notebook (outputs compared).
    public static let header = "# sft notebook: replay with `sft FILE.sft`"
    /// A line before a command whose recorded output is not compared on replay.
    public static let uncheckedDirective = "#!unchecked"
    /// Commands whose output is about the session's past rather than its state (not compared on replay).
    public static let uncheckedCommands: Set<String> = ["history"]

    public static func keeps(_ e: Session.RecordEntry) -> Bool {
        let first = e.command.split(separator: " ").first.map(String.init) ?? ""
        // `chat`'s turns were typed at its own prompt and are not in the record: replayed, it would take the
        // notebook's next lines as the person's messages.
        return (e.ok || e.replayAs != nil) && !["session", "quit", "exit", "clear", "chat"].contains(first)
    }

    public static func text(of record: [Session.RecordEntry]) -> String {
        var out = header + "; lines starting with # are the outputs when saved (`sft --check FILE` fails when they differ).\n\n"
        for e in record where keeps(e) {
            if let replay = e.replayAs {
                out += "# `\(e.command)` was stopped part-way (\(e.interrupted ? "Ctrl-C" : "time limit")); what ran:\n"
                out += uncheckedDirective + "\n" + replay + "\n"
            } else {
                out += e.command + "\n"
            }
            for line in e.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                out += line.isEmpty ? "#\n" : "# " + line + "\n"
            }
            out += "\n"
        }
        return out
    }
}
