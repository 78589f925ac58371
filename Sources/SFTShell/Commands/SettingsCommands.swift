// `set NAME VALUE` changes a setting with validation, `set NAME --default` restores it, `set` alone lists all;
// `get` lists every setting with its value, allowed range and description, `get NAME` prints one value.
import ArgumentParser
import SFT

struct SetCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change a setting (validated); with no arguments, list all settings.")

    @Argument(help: "Setting name, e.g. learning-rate (`get` lists them).")
    var name: String?

    @Argument(parsing: .allUnrecognized, help: "New value; several words are joined with spaces (for `system`).")
    var value: [String] = []

    @Flag(name: .customLong("default"), help: "Restore the setting's default value.")
    var restoreDefault = false

    mutating func run(session: Session) throws {
        guard let typed = self.name else { return GetCommand.list(session, only: nil) }
        guard let spec = session.settings.spec(typed) else { throw session.settings.unknown(typed) }
        let name = spec.name     // `lr` -> learning-rate
        // `set NAME default` means --default, unless `default` is a value the setting can hold (a text).
        if value == ["default"], !SetCommand.holdsWord(spec) { restoreDefault = true; value = [] }
        if restoreDefault {
            let v = try session.settings.reset(name)
            if name == "seed" { try session.set(name, v.description) }
            return session.out.print("\(name) = \(show(v))")
        }
        guard !value.isEmpty else {
            throw SFTError("set \(name) needs a value", hint: "e.g. `set \(name) \(spec.defaultValue)`; `set \(name) --default` restores the default; `get \(name)` shows the allowed range")
        }
        let v = try session.set(name, value.joined(separator: " "))
        session.out.print("\(name) = \(show(v))")
        if name == "precision", show(v) == "bf16", let why = MatMul.bf16Unavailable {
            session.out.note("matrix products stay fp32 here: \(why)")
        }
    }

    /// True when the word `default` could be a value of this setting (free text, or a choice named so).
    static func holdsWord(_ spec: SettingSpec) -> Bool {
        switch spec.kind {
        case .string: return true
        case .choice(let c): return c.contains("default")
        default: return false
        }
    }
}

struct GetCommand: ShellCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Show settings: all with ranges and descriptions, or one value.")

    @Argument(help: "Setting name; omit to list all.")
    var name: String?

    mutating func run(session: Session) throws {
        guard let typed = self.name else { return GetCommand.list(session, only: nil) }
        guard let spec = session.settings.spec(typed), let v = session.settings.value(typed) else {
            throw session.settings.unknown(typed)
        }
        let name = spec.name
        session.out.print("\(name) = \(show(v))")
        session.out.print("  \(spec.summary); allowed: \(spec.allowed); default: \(show(spec.defaultValue))")
    }

    /// The settings table, one group after another.
    static func list(_ session: Session, only group: String?) {
        var groups: [String] = []
        for s in session.settings.specs where !groups.contains(s.group) { groups.append(s.group) }
        for g in groups where group == nil || group == g {
            var t = Table([Table.Column(g), Table.Column("value"), Table.Column("allowed"), Table.Column("what")])
            for s in session.settings.specs where s.group == g {
                t.add([s.name, show(session.settings.value(s.name) ?? s.defaultValue), s.allowed, s.summary])
            }
            session.out.print(lines: t.render())
            if g != groups.last { session.out.print() }
        }
    }
}

/// A value as shown to a person: strings quoted so an empty one is visible.
func show(_ v: SettingValue) -> String {
    if case .string(let s) = v, s.isEmpty || s.contains(" ") { return "\"\(s)\"" }
    return v.description
}
