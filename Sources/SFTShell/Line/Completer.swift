// What Tab offers for a line prefix: command names first, then a group's subcommands, option names of the
// command (read from its ArgumentParser help), setting names after `set`/`get`, a choice setting's values, the
// names a command takes (datasets, repository entries, notebooks, presets, quantize modes, checkpoints), and
// file paths everywhere else: a folder completes with `/` and no space, so Tab continues into it.

import Foundation
import SFT

/// A command whose arguments are file paths (Tab completes paths for it).
public protocol CompletesPaths {}

public enum Completer {
    /// What each positional argument of a command takes, by command path.
    enum NameKind { case dataset, repoEntry, notebook, preset, quantizeMode, checkpoint, datasetOrPath, adapter }
    static let positionalNames: [String: [NameKind]] = [
        "data show": [.dataset], "data stats": [.dataset], "data find": [.dataset], "data drop": [.dataset],
        "data split": [.dataset], "data dedup": [.dataset], "data filter": [.dataset], "data sample": [.dataset],
        "data save": [.dataset], "data add": [.dataset], "data score": [.dataset],
        "data replace": [.dataset], "data system": [.dataset], "data check": [.datasetOrPath],
        "eval": [.datasetOrPath],
        "repo show": [.repoEntry], "repo rm": [.repoEntry], "repo verify": [.repoEntry],
        "lora load": [.adapter], "session load": [.notebook], "session save": [.notebook],
        "preset": [.preset], "quantize": [.quantizeMode], "checkpoint use": [.checkpoint],
    ]

    /// Candidate words for the word being typed at the end of `prefix`, or nil for file-path completion.
    public static func candidates(forLine prefix: String, settings: Settings,
                                  names: CompletionNames = CompletionNames()) -> [String]? {
        let (done, current) = LineSplitter.wordsForCompletion(prefix)
        func matching(_ words: [String]) -> [String] { words.filter { $0.hasPrefix(current) } }
        guard let first = done.first else { return matching(CommandRegistry.allNames) }
        guard let root = CommandRegistry.find(first) else { return [] }
        var leaf = root
        var positional = done.dropFirst().filter { !$0.hasPrefix("-") }
        var path = CommandRegistry.name(of: root)
        if !root.configuration.subcommands.isEmpty {
            guard let subWord = positional.first else {
                return current.hasPrefix("-") ? matching(["--help"])
                    : matching(root.configuration.subcommands.map { CommandRegistry.name(of: $0) })
            }
            guard let sub = CommandRegistry.subcommand(of: root, subWord) else { return [] }
            leaf = sub
            path += " " + CommandRegistry.name(of: sub)
            positional = Array(positional.dropFirst())
        }
        if current.hasPrefix("-") { return matching(CommandRegistry.optionNames(of: leaf, root: root)) }
        if let kinds = positionalNames[path], positional.count < kinds.count {
            switch kinds[positional.count] {
            case .dataset: return matching(names.datasets)
            case .repoEntry: return matching(names.repoEntries)
            case .notebook: return matching(names.notebooks)
            case .preset: return matching(Scenario.allCases.map(\.rawValue) + ["auto"])
            case .quantizeMode: return matching(["int8", "off"])
            case .checkpoint: return matching((0..<names.checkpoints).map { String($0 + 1) } + (names.checkpoints > 0 ? ["best"] : []))
            case .datasetOrPath:
                let n = matching(names.datasets)
                return n.isEmpty ? nil : n + paths(current)
            case .adapter:
                if current.hasPrefix("repo:") || (!current.isEmpty && "repo:".hasPrefix(current)) {
                    return matching(names.repoEntries.map { "repo:" + $0 })
                }
                return nil
            }
        }
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

    /// File and folder paths that start with `word`, as typed (`~/` kept); folders end in `/`. Hidden files only
    /// when the name typed starts with a dot.
    public static func paths(_ word: String) -> [String] {
        let slash = word.lastIndex(of: "/")
        let dirTyped = slash.map { String(word[...$0]) } ?? ""
        let namePrefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
        var dir = dirTyped.isEmpty ? "." : dirTyped
        if dir.hasPrefix("~") { dir = (dir as NSString).expandingTildeInPath }
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: dir) else { return [] }
        return entries.filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { name in
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: (dir as NSString).appendingPathComponent(name), isDirectory: &isDir)
                return dirTyped + name + (isDir.boolValue ? "/" : "")
            }
    }

    /// What libedit gets for a Tab: the text to put in place of the word (the one match, or the longest
    /// common prefix), whether a space follows (not after a folder, so Tab can go on into it), and what to list
    /// when several match: names only, a path's last part, not the whole path again.
    public struct Completion: Equatable {
        public var insert: String
        public var appendSpace: Bool
        public var listed: [String]
        public init(insert: String, appendSpace: Bool, listed: [String]) {
            self.insert = insert; self.appendSpace = appendSpace; self.listed = listed
        }
    }

    public static func completion(of word: String, among candidates: [String]) -> Completion? {
        let found = candidates.filter { $0.hasPrefix(word) }
        guard let firstMatch = found.first else { return nil }
        if found.count == 1 { return Completion(insert: firstMatch, appendSpace: !firstMatch.hasSuffix("/"), listed: []) }
        var common = Array(firstMatch)
        for f in found.dropFirst() {
            let a = Array(f)
            var n = 0
            while n < common.count && n < a.count && common[n] == a[n] { n += 1 }
            common = Array(common[..<n])
        }
        let listed = found.map { f -> String in
            let body = f.hasSuffix("/") ? f.dropLast() : Substring(f)
            guard let s = body.lastIndex(of: "/") else { return f }
            return String(f[f.index(after: s)...])
        }
        return Completion(insert: String(common), appendSpace: false, listed: listed)
    }
}
