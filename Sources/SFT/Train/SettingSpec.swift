// One setting's definition: name, group, kind (with its allowed range or choices), default and a one-line
// description; and the typed value it holds. Parsing and range checks live here, so `set`, `train`'s
// validation and a resumed run give the same errors ("learning-rate must be in (0, 1], got 5"). The training
// settings are rows of HyperparameterTable; the shell adds its generation settings.
import Foundation

/// A typed setting value.
public enum SettingValue: Equatable, CustomStringConvertible, Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case list([String])

    /// The value as `set` takes it back: `8`, `0.0001`, `adamw`, `q,k,v,o`.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return SettingValue.format(v)
        case .string(let v): return v
        case .list(let v): return v.joined(separator: ",")
        }
    }

    /// Swift's shortest round-tripping form: `0.0001`, `1e-05`, `16.0`.
    static func format(_ v: Double) -> String { "\(v)" }
}

/// A numeric bound, open or closed.
public struct Bound: Sendable {
    public var value: Double
    public var inclusive: Bool
    public static func closed(_ v: Double) -> Bound { Bound(value: v, inclusive: true) }
    public static func open(_ v: Double) -> Bound { Bound(value: v, inclusive: false) }
}

/// What a setting holds and which values are allowed.
public enum SettingKind: Sendable {
    case int(min: Int?, max: Int?)
    case double(lower: Bound?, upper: Bound?)
    case choice([String])
    case subset(of: [String])
    case string
}

public struct SettingSpec: Sendable {
    public var name: String
    public var group: String
    public var kind: SettingKind
    public var defaultValue: SettingValue
    public var summary: String

    public init(_ name: String, group: String, _ kind: SettingKind, default value: SettingValue, _ summary: String) {
        self.name = name; self.group = group; self.kind = kind; self.defaultValue = value; self.summary = summary
    }

    /// The allowed values in words: `(0, 1]`, `>= 1`, `[16, 32768]`, `adamw`, `subset of q,k,v,o,gate,up,down`.
    public var allowed: String {
        switch kind {
        case .int(let lo, let hi):
            switch (lo, hi) {
            case let (l?, h?): return "[\(l), \(h)]"
            case let (l?, nil): return ">= \(l)"
            case let (nil, h?): return "<= \(h)"
            default: return "any integer"
            }
        case .double(let lo, let hi):
            func n(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : "\(v)" }
            switch (lo, hi) {
            case let (l?, h?): return (l.inclusive ? "[" : "(") + "\(n(l.value)), \(n(h.value))" + (h.inclusive ? "]" : ")")
            case let (l?, nil): return (l.inclusive ? ">= " : "> ") + n(l.value)
            case let (nil, h?): return (h.inclusive ? "<= " : "< ") + n(h.value)
            default: return "any number"
            }
        case .choice(let c): return c.joined(separator: ", ")
        case .subset(let all): return "comma list from " + all.joined(separator: ",")
        case .string: return "text"
        }
    }

    /// Checks a typed value against the allowed range (what `parse` does after reading text).
    public func check(_ value: SettingValue) throws {
        switch (kind, value) {
        case (.int(let lo, let hi), .int(let v)):
            if let lo, v < lo { throw outOfRange(String(v)) }
            if let hi, v > hi { throw outOfRange(String(v)) }
        case (.double(let lo, let hi), .double(let v)):
            guard v.isFinite else { throw outOfRange(String(v)) }
            if let lo, lo.inclusive ? v < lo.value : v <= lo.value { throw outOfRange(SettingValue.format(v)) }
            if let hi, hi.inclusive ? v > hi.value : v >= hi.value { throw outOfRange(SettingValue.format(v)) }
        case (.double, .int(let v)):
            try check(.double(Double(v)))
        case (.choice(let choices), .string(let v)):
            if !choices.contains(v) { throw SFTError("\(name) must be one of: \(allowed), got '\(v)'", hint: "set \(name) \(choices[0])") }
        case (.subset(let all), .list(let items)):
            guard !items.isEmpty else { throw SFTError("\(name) needs at least one of \(all.joined(separator: ","))", hint: "set \(name) \(defaultValue)") }
            for item in items where !all.contains(item) {
                throw SFTError("\(name): '\(item)' is not one of \(all.joined(separator: ","))", hint: "set \(name) \(defaultValue)")
            }
        case (.string, .string):
            return
        default:
            throw SFTError("\(name) cannot hold \(value)", hint: "allowed: \(allowed)")
        }
    }

    /// Parses and checks a value typed by a person.
    public func parse(_ text: String) throws -> SettingValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .int(let lo, let hi):
            guard let v = Int(t) else {
                throw SFTError("\(name) must be an integer, got '\(text)'", hint: "allowed: \(allowed)")
            }
            if let lo, v < lo { throw outOfRange(t) }
            if let hi, v > hi { throw outOfRange(t) }
            return .int(v)
        case .double(let lo, let hi):
            guard let v = Double(t), v.isFinite else {
                throw SFTError("\(name) must be a number, got '\(text)'", hint: "allowed: \(allowed)")
            }
            if let lo, lo.inclusive ? v < lo.value : v <= lo.value { throw outOfRange(t) }
            if let hi, hi.inclusive ? v > hi.value : v >= hi.value { throw outOfRange(t) }
            return .double(v)
        case .choice(let choices):
            guard choices.contains(t) else {
                throw SFTError("\(name) must be one of: \(allowed), got '\(text)'", hint: "set \(name) \(choices[0])")
            }
            return .string(t)
        case .subset(let all):
            let items = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty else { throw SFTError("\(name) needs at least one of \(all.joined(separator: ","))") }
            for item in items where !all.contains(item) {
                throw SFTError("\(name): '\(item)' is not one of \(all.joined(separator: ","))",
                               hint: "set \(name) \(defaultValue)")
            }
            var seen = Set<String>()
            return .list(items.filter { seen.insert($0).inserted })
        case .string:
            return .string(text)
        }
    }

    private func outOfRange(_ got: String) -> SFTError {
        let phrase: String
        switch allowed.first {
        case "[", "(": phrase = "must be in \(allowed)"
        default: phrase = "must be \(allowed)"
        }
        return SFTError("\(name) \(phrase), got \(got)", hint: "default is \(defaultValue); `get \(name)` describes it")
    }
}
