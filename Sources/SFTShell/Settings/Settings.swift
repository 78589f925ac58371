// The current settings: values for every SettingsCatalog entry, read by the core with typed getters
// (`settings.double("learning-rate")`, `settings.int("batch-size")`) and changed by `set` with validation.
// Asking for a name that is not in the catalog, or with the wrong type, is a programmer mistake (precondition).
import SFT

public struct Settings {
    public let specs: [SettingSpec]
    private var values: [String: SettingValue]

    public init(specs: [SettingSpec] = SettingsCatalog.all) {
        self.specs = specs
        values = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.defaultValue) })
    }

    public var names: [String] { specs.map(\.name) }

    /// Short names people type: `set lr 1e-3`, `get bs`.
    public static let aliases: [String: String] = [
        "lr": "learning-rate", "bs": "batch-size", "wd": "weight-decay", "epoch": "epochs",
    ]

    /// The setting's full name for a name or an alias (unknown names come back unchanged).
    public func canonical(_ name: String) -> String {
        if let full = Settings.aliases[name], spec(full: full) != nil { return full }
        return name
    }

    public func spec(_ name: String) -> SettingSpec? { spec(full: canonical(name)) }

    private func spec(full name: String) -> SettingSpec? { specs.first { $0.name == name } }

    public func value(_ name: String) -> SettingValue? { values[canonical(name)] }

    // MARK: typed getters for core code

    public func int(_ name: String) -> Int {
        guard case .int(let v)? = values[name] else { preconditionFailure("setting \(name) is not an int") }
        return v
    }

    public func double(_ name: String) -> Double {
        switch values[name] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: preconditionFailure("setting \(name) is not a number")
        }
    }

    public func string(_ name: String) -> String {
        guard case .string(let v)? = values[name] else { preconditionFailure("setting \(name) is not a string") }
        return v
    }

    public func list(_ name: String) -> [String] {
        guard case .list(let v)? = values[name] else { preconditionFailure("setting \(name) is not a list") }
        return v
    }

    // MARK: changing

    /// Parses, validates and stores a value given as text; returns the stored value.
    @discardableResult
    public mutating func set(_ name: String, _ text: String) throws -> SettingValue {
        guard let spec = spec(name) else { throw unknown(name) }
        let v = try spec.parse(text)
        values[spec.name] = v
        return v
    }

    /// Back to the default; returns it.
    @discardableResult
    public mutating func reset(_ name: String) throws -> SettingValue {
        guard let spec = spec(name) else { throw unknown(name) }
        values[spec.name] = spec.defaultValue
        return spec.defaultValue
    }

    /// The error for a name not in the catalog, with the nearest name as hint.
    public func unknown(_ name: String) -> SFTError {
        if let near = EditDistance.nearest(to: name, in: names) {
            return SFTError("unknown setting '\(name)'", hint: "did you mean '\(near)'? `get` lists all settings")
        }
        return SFTError("unknown setting '\(name)'", hint: "`get` lists all settings")
    }
}
