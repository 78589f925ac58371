// Every shell command, in one list (the order `help` shows them).
//
// To add a command:
//   1. Create Sources/SFTShell/Commands/<Name>Command.swift with a struct conforming to ShellCommand:
//        struct Greet: ShellCommand {
//            static let configuration = CommandConfiguration(commandName: "greet", abstract: "Say hello.")
//            @Argument(help: "Who to greet.") var name: String
//            @Option(help: "How many times.") var times = 1
//            mutating func run(session: Session) throws { session.out.print("hello \(name)") }
//        }
//      For a group (`session save`, `session list`), make a ParsableCommand with `subcommands:` whose
//      subcommands conform to ShellCommand.
//   2. Add `Greet.self` to `commands` below.
// `help`, `help greet`, option errors and tab completion then work with no further code.
import ArgumentParser
import Foundation

public enum CommandRegistry {
    public static let commands: [ParsableCommand.Type] = [
        HelpCommand.self,
        StatusCommand.self,
        SetCommand.self,
        GetCommand.self,
        SessionCommand.self,
        DataCommand.self,
        ModelCommand.self,
        TokensCommand.self,
        AskCommand.self,
        ChatCommand.self,
        LoRACommand.self,
        PresetCommand.self,
        ProbeCommand.self,
        PlanCommand.self,
        TrainCommand.self,
        UndoCommand.self,
        CompareCommand.self,
        EvalCommand.self,
        CheckpointsCommand.self,
        CheckpointCommand.self,
        MetricsCommand.self,
        SaveCommand.self,
        RepoCommand.self,
        ExportCommand.self,
        QuantizeCommand.self,
        ServeCommand.self,
        HistoryCommand.self,
        RunCommand.self,
        WaitCommand.self,
        ClearCommand.self,
        QuitCommand.self,
    ]

    /// The name a command is typed as.
    public static func name(of command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    /// Names and aliases of every command, for lookup and completion.
    public static var allNames: [String] {
        commands.flatMap { [name(of: $0)] + $0.configuration.aliases }
    }

    /// The command typed as `word` (name or alias).
    public static func find(_ word: String) -> ParsableCommand.Type? {
        commands.first { name(of: $0) == word || $0.configuration.aliases.contains(word) }
    }

    /// The subcommand of a group typed as `word`.
    public static func subcommand(of group: ParsableCommand.Type, _ word: String) -> ParsableCommand.Type? {
        group.configuration.subcommands.first { name(of: $0) == word || $0.configuration.aliases.contains(word) }
    }

    /// Option names (`--epochs`, `-n`) a command accepts, read from its generated help.
    public static func optionNames(of command: ParsableCommand.Type, root: ParsableCommand.Type) -> [String] {
        let help = root.helpMessage(for: command, columns: 200)
        var names: [String] = []
        for line in help.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("-") else { continue }
            for part in t.split(separator: " ").prefix(4) {
                let token = part.trimmingCharacters(in: CharacterSet(charactersIn: ",<>"))
                if token.hasPrefix("-") && token.count > 1 && !names.contains(token) { names.append(token) }
            }
        }
        return names
    }
}
