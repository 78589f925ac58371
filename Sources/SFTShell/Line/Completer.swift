// What Tab offers for a line prefix: command names first, then a group's subcommands, option names of the
// command (read from its ArgumentParser help), setting names after `set`/`get`, a choice setting's values, and
// file paths everywhere else (nil tells the line editor to complete a path).

/// A command whose arguments are file paths (Tab completes paths for it).
public protocol CompletesPaths {}

public enum Completer {
    /// Candidate words for the word being typed at the end of `prefix`, or nil for file-path completion.
    public static func candidates(forLine prefix: String, settings: Settings) -> [String]? {
        let (done, current) = LineSplitter.wordsForCompletion(prefix)
        func matching(_ words: [String]) -> [String] { words.filter { $0.hasPrefix(current) } }
        guard let first = done.first else { return matching(CommandRegistry.allNames) }
        guard let root = CommandRegistry.find(first) else { return [] }
        var leaf = root
        var positional = done.dropFirst().filter { !$0.hasPrefix("-") }
        if !root.configuration.subcommands.isEmpty {
            guard let subWord = positional.first else {
                return current.hasPrefix("-") ? matching(["--help"])
                    : matching(root.configuration.subcommands.map { CommandRegistry.name(of: $0) })
            }
            guard let sub = CommandRegistry.subcommand(of: root, subWord) else { return [] }
            leaf = sub
            positional = Array(positional.dropFirst())
        }
        if current.hasPrefix("-") { return matching(CommandRegistry.optionNames(of: leaf, root: root)) }
        switch CommandRegistry.name(of: leaf) {
        case "help":
            if positional.isEmpty { return matching(CommandRegistry.commands.map { CommandRegistry.name(of: $0) }) }
            if positional.count == 1, let g = CommandRegistry.find(positional[0]) {
                return matching(g.configuration.subcommands.map { CommandRegistry.name(of: $0) })
            }
            return []
        case "set", "get":
            if positional.isEmpty { return matching(settings.names) }
            if positional.count == 1, let spec = settings.spec(positional[0]) {
                switch spec.kind {
                case .choice(let c): return matching(c)
                case .subset: return matching([spec.defaultValue.description])
                default: return []
                }
            }
            return []
        default:
            return leaf is CompletesPaths.Type ? nil : []
        }
    }
}
