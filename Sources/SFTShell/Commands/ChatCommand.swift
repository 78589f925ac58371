// `chat`: a multi-turn conversation with the active model, with its own prompt and (in the shell) its own
// up-arrow history of what you said. Lines starting with `/` are chat commands (`/help` lists them): /system
// shows the system prompt, /system TEXT sets it, /system --clear removes it; /reset, /retry (answer the last
// message again), /fix TEXT and /good (teach by example, ChatTeaching.swift), /exit. In a script, the lines
// after `chat` are the user's turns, up to `/exit`.
import ArgumentParser
import Foundation
import SFT

struct ChatCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Talk with the active model; /help lists the chat commands, /exit (or Ctrl-D) leaves.")

    @OptionGroup var sampling: SamplingOptions
    @Option(help: "Dataset that /fix and /good add conversations to.") var to: String = "taught"

    static let commandHelp = [
        ("/system", "show the system prompt"),
        ("/system TEXT", "set the system prompt (clears the conversation)"),
        ("/system --clear", "remove the system prompt"),
        ("/reset", "clear the conversation"),
        ("/retry", "answer your last message again"),
        ("/fix TEXT", "replace the last answer with TEXT and keep the conversation as a training example"),
        ("/good", "keep the conversation as it is as a training example"),
        ("/help", "this list"),
        ("/exit", "leave the chat (also /quit, Ctrl-D)"),
    ]

    mutating func run(session: Session) throws {
        let m = try session.requireModel()
        let (options, firstSystem) = try sampling.resolve(session)
        guard let read = session.readInput else { throw SFTError("chat needs input lines", hint: "use ask PROMPT here") }
        session.useChatHistory?(true)
        defer { session.useChatHistory?(false) }
        var system = firstSystem
        var turns: [Message] = []
        session.out.print("chatting with \(m.name)\(system.map { " (system: \($0))" } ?? ""); /help lists chat commands, /exit leaves")
        while true {
            Cancellation.reset()
            guard let raw = read("you> ") else { break }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("/") {
                let (cmd, rest) = Self.splitCommand(line)
                switch cmd {
                case "/exit", "/quit": return
                case "/help", "/?":
                    var t = Table([Table.Column("command"), Table.Column("what it does")], showHeader: false)
                    for (c, what) in Self.commandHelp { t.add([c, what]) }
                    session.out.print(lines: t.render())
                    continue
                case "/reset": turns = []; session.out.print("(conversation cleared)"); continue
                case "/system":
                    if rest.isEmpty {
                        session.out.print(system.map { "(system prompt: \($0))" } ?? "(no system prompt; /system TEXT sets one)")
                        continue
                    }
                    system = rest == "--clear" ? nil : rest
                    turns = []
                    session.out.print(system.map { "(system prompt set; conversation cleared: \($0))" } ?? "(system prompt removed; conversation cleared)")
                    continue
                case "/fix", "/good":
                    try ChatTeaching.handle(cmd, rest, system: system, turns: &turns, session: session, dataset: to)
                    continue
                case "/retry":
                    guard turns.last?.role == .assistant else { session.out.print("(nothing to retry)"); continue }
                    turns.removeLast()
                default:
                    let near = EditDistance.nearest(to: cmd, in: Self.commandHelp.map { String($0.0.split(separator: " ")[0]) })
                    session.out.print("(unknown chat command \(cmd)\(near.map { "; did you mean \($0)?" } ?? ""); /help lists them)")
                    continue
                }
            } else {
                turns.append(Message(.user, line))
            }
            let messages = (system.map { [Message(.system, $0)] } ?? []) + turns
            session.out.write("assistant> ")
            // Each answer holds the live-model gate (chat itself does not: it waits for the person between turns).
            let r = try session.serving.gate.withGate {
                try Generator.reply(model: m, messages: messages, options: options, rng: &session.rng,
                                    runner: session.repoState.int8) { session.out.write($0) }
            }
            session.out.print()
            session.out.note(AskCommand.speedLine(r))
            turns.append(Message(.assistant, r.text))
        }
    }

    static func splitCommand(_ line: String) -> (String, String) {
        guard let space = line.firstIndex(of: " ") else { return (line.lowercased(), "") }
        return (line[..<space].lowercased(), line[space...].trimmingCharacters(in: .whitespaces))
    }
}
