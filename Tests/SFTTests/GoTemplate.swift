// GoTemplate: the subset of Go's text/template that the Ollama TEMPLATEs of ExportOllamaTemplates.swift use, to
// run them in tests the way Ollama does (ExportOllamaTests). Text with {{- / -}} whitespace trims; actions that
// print a pipeline; {{ if }} / {{ else if }} / {{ else }} / {{ end }}; {{ range PIPE }} and {{ range $i, $m := PIPE }};
// variables ($x := PIPE declares, $x = PIPE assigns the nearest one, $ is the data); fields (.Role, $.System,
// $m.Content); string and integer literals; parentheses; the functions eq, ne, and, or, not, len, slice, index.
// Semantics follow the Go documentation: a variable lives until the `end` of the block that declares it,
// assignment and declaration print nothing, empty strings / zero / empty lists are false. Anything else throws, so
// a template that needs more is noticed.
import Foundation
import SFT

struct GoTemplate {
    indirect enum Value: Equatable {
        case str(String), int(Int), bool(Bool), list([Value]), map([String: Value]), none

        var truthy: Bool {
            switch self {
            case .str(let s): !s.isEmpty
            case .int(let i): i != 0
            case .bool(let b): b
            case .list(let l): !l.isEmpty
            case .map(let m): !m.isEmpty
            case .none: false
            }
        }
        var printed: String {
            switch self {
            case .str(let s): s
            case .int(let i): String(i)
            case .bool(let b): b ? "true" : "false"
            case .none: "<no value>"
            case .list, .map: "[...]"
            }
        }
    }

    /// An operand or a function call over operands.
    indirect enum Expr {
        case literal(Value)
        case path(root: String?, fields: [String])   // root nil: dot; "$": the data; "$x": a variable
        case call(String, [Expr])
    }

    indirect enum Node {
        case text(String)
        case print(Expr)
        case declare(String, Expr), assign(String, Expr)
        case cond(Expr, [Node], [Node])
        case range(index: String?, element: String?, over: Expr, body: [Node])
    }

    let nodes: [Node]

    init(_ source: String) throws {
        var parts: [(isAction: Bool, s: String)] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            var text = String(rest[..<open.lowerBound])
            guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { throw SFTError("unclosed {{") }
            var action = String(rest[open.upperBound..<close.lowerBound])
            if action.hasPrefix("- ") || action == "-" {
                action.removeFirst()
                while let c = text.last, c.isWhitespace { text.removeLast() }
            }
            var trimNext = false
            if action.hasSuffix(" -") { action.removeLast(); trimNext = true }
            parts.append((false, text))
            parts.append((true, action.trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
            if trimNext { rest = rest.drop { $0.isWhitespace } }
        }
        parts.append((false, String(rest)))
        var i = 0
        func parse(untilEnd: Bool) throws -> ([Node], String?) {
            var out: [Node] = []
            while i < parts.count {
                let p = parts[i]; i += 1
                if !p.isAction { if !p.s.isEmpty { out.append(.text(p.s)) }; continue }
                if p.s == "end" || p.s == "else" || p.s.hasPrefix("else if ") {
                    guard untilEnd else { throw SFTError("{{\(p.s)}} outside a block") }
                    return (out, p.s)
                }
                if p.s.hasPrefix("if ") {
                    out.append(try parseIf(String(p.s.dropFirst(3))))
                } else if p.s.hasPrefix("range ") {
                    var spec = String(p.s.dropFirst(6))
                    var index: String?, element: String?
                    if let decl = spec.range(of: ":=") {
                        let vars = spec[..<decl.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        guard vars.allSatisfy({ $0.hasPrefix("$") }), vars.count == 1 || vars.count == 2 else { throw SFTError("bad range variables: \(p.s)") }
                        if vars.count == 2 { index = vars[0]; element = vars[1] } else { element = vars[0] }
                        spec = String(spec[decl.upperBound...])
                    }
                    let over = try Self.expression(spec)
                    let (body, end) = try parse(untilEnd: true)
                    guard end == "end" else { throw SFTError("range without end (else in range is outside the subset)") }
                    out.append(.range(index: index, element: element, over: over, body: body))
                } else if let (name, declares, rhs) = Self.variableAction(p.s) {
                    let e = try Self.expression(rhs)
                    out.append(declares ? .declare(name, e) : .assign(name, e))
                } else {
                    out.append(.print(try Self.expression(p.s)))
                }
            }
            if untilEnd { throw SFTError("missing {{end}}") }
            return (out, nil)
        }
        func parseIf(_ condition: String) throws -> Node {
            let c = try Self.expression(condition)
            let (yes, end) = try parse(untilEnd: true)
            guard let end else { throw SFTError("if without end") }
            if end == "end" { return .cond(c, yes, []) }
            if end == "else" {
                let (no, end2) = try parse(untilEnd: true)
                guard end2 == "end" else { throw SFTError("else without end") }
                return .cond(c, yes, no)
            }
            return .cond(c, yes, [try parseIf(String(end.dropFirst(8)))])   // "else if X": the rest shares the end
        }
        nodes = try parse(untilEnd: false).0
    }

    /// "$x := PIPE" or "$x = PIPE": (name, declares, PIPE); nil for any other action.
    static func variableAction(_ s: String) -> (String, Bool, String)? {
        guard s.hasPrefix("$") else { return nil }
        let name = s.prefix { !$0.isWhitespace && $0 != ":" && $0 != "=" }
        guard name.count > 1, name.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let rest = s.dropFirst(name.count).drop { $0 == " " }
        if rest.hasPrefix(":=") { return (String(name), true, String(rest.dropFirst(2))) }
        if rest.hasPrefix("=") && !rest.hasPrefix("==") { return (String(name), false, String(rest.dropFirst())) }
        return nil
    }

    // MARK: expressions

    static let functions: Set<String> = ["eq", "ne", "and", "or", "not", "len", "slice", "index"]

    static func tokens(_ s: String) throws -> [String] {
        var out: [String] = []
        let it = Array(s)
        var k = 0
        while k < it.count {
            let c = it[k]
            if c == " " { k += 1; continue }
            if c == "(" || c == ")" { out.append(String(c)); k += 1; continue }
            if c == "\"" {
                var lit = "\"", j = k + 1
                while j < it.count && it[j] != "\"" {
                    if it[j] == "\\" && j + 1 < it.count { lit.append(it[j]); j += 1 }
                    lit.append(it[j]); j += 1
                }
                guard j < it.count else { throw SFTError("unterminated string in \(s)") }
                out.append(lit + "\""); k = j + 1; continue
            }
            var j = k
            while j < it.count && it[j] != " " && it[j] != "(" && it[j] != ")" { j += 1 }
            out.append(String(it[k..<j])); k = j
        }
        return out
    }

    static func expression(_ s: String) throws -> Expr {
        let t = try tokens(s)
        var k = 0
        func operand() throws -> Expr {
            guard k < t.count else { throw SFTError("missing operand in \(s)") }
            let w = t[k]; k += 1
            if w == "(" {
                let e = try command()
                guard k < t.count, t[k] == ")" else { throw SFTError("missing ) in \(s)") }
                k += 1
                return e
            }
            if w.hasPrefix("\"") {
                var v = "", esc = false
                for ch in w.dropFirst().dropLast() {
                    if esc { v.append(ch == "n" ? "\n" : ch == "t" ? "\t" : ch); esc = false } else if ch == "\\" { esc = true } else { v.append(ch) }
                }
                return .literal(.str(v))
            }
            if let n = Int(w) { return .literal(.int(n)) }
            if w == "true" || w == "false" { return .literal(.bool(w == "true")) }
            if w.hasPrefix(".") { return .path(root: nil, fields: w == "." ? [] : w.dropFirst().split(separator: ".").map(String.init)) }
            if w.hasPrefix("$") {
                let pieces = w.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                return .path(root: pieces[0], fields: Array(pieces.dropFirst()))
            }
            throw SFTError("operand outside the subset: \(w) in \(s)")
        }
        func command() throws -> Expr {
            guard k < t.count else { throw SFTError("empty pipeline: \(s)") }
            if functions.contains(t[k]) {
                let name = t[k]; k += 1
                var args: [Expr] = []
                while k < t.count && t[k] != ")" { args.append(try operand()) }
                return .call(name, args)
            }
            if t[k].first?.isLetter == true { throw SFTError("function outside the subset: \(t[k])") }
            return try operand()
        }
        let e = try command()
        guard k == t.count else { throw SFTError("pipelines (|) and extra words are outside the subset: \(s)") }
        return e
    }

    // MARK: execution

    final class Scopes {
        var frames: [[String: Value]]
        init(_ root: Value) { frames = [["$": root]] }
        func lookup(_ name: String) throws -> Value {
            for f in frames.reversed() { if let v = f[name] { return v } }
            throw SFTError("undefined variable \(name)")
        }
        func assign(_ name: String, _ v: Value) throws {
            for i in frames.indices.reversed() where frames[i][name] != nil { frames[i][name] = v; return }
            throw SFTError("assignment to undeclared \(name)")
        }
    }

    static func field(_ v: Value, _ name: String) throws -> Value {
        guard case .map(let m) = v else { throw SFTError("field .\(name) of a value that is not a map") }
        return m[name] ?? Value.none
    }

    static func eval(_ e: Expr, dot: Value, _ s: Scopes) throws -> Value {
        switch e {
        case .literal(let v): return v
        case .path(let root, let fields):
            var v = try root.map { try s.lookup($0) } ?? dot
            for f in fields { v = try field(v, f) }
            return v
        case .call(let name, let argExprs):
            // and/or evaluate left to right and stop at the deciding operand, returning it (Go 1.18+).
            if name == "and" || name == "or" {
                var last = Value.none
                for a in argExprs {
                    last = try eval(a, dot: dot, s)
                    if last.truthy != (name == "and") { return last }
                }
                return last
            }
            let a = try argExprs.map { try eval($0, dot: dot, s) }
            switch (name, a.count) {
            case ("eq", 2...): return .bool(a.dropFirst().contains { $0 == a[0] })
            case ("ne", 2): return .bool(a[0] != a[1])
            case ("not", 1): return .bool(!a[0].truthy)
            case ("len", 1):
                if case .list(let l) = a[0] { return .int(l.count) }
                if case .str(let x) = a[0] { return .int(x.utf8.count) }
            case ("slice", 2...3):
                if case .list(let l) = a[0], case .int(let lo) = a[1] {
                    var hi = l.count
                    if a.count == 3 { guard case .int(let h) = a[2] else { break }; hi = h }
                    guard 0 <= lo, lo <= hi, hi <= l.count else { throw SFTError("slice out of range") }
                    return .list(Array(l[lo..<hi]))
                }
            case ("index", 2):
                if case .list(let l) = a[0], case .int(let i) = a[1] {
                    guard l.indices.contains(i) else { throw SFTError("index out of range") }
                    return l[i]
                }
            default: break
            }
            throw SFTError("cannot call \(name) on \(a)")
        }
    }

    func execute(_ data: Value) throws -> String {
        let scopes = Scopes(data)
        func run(_ nodes: [Node], _ dot: Value) throws -> String {
            scopes.frames.append([:])
            defer { scopes.frames.removeLast() }
            var out = ""
            for n in nodes {
                switch n {
                case .text(let t): out += t
                case .print(let e): out += try Self.eval(e, dot: dot, scopes).printed
                case .declare(let v, let e): scopes.frames[scopes.frames.count - 1][v] = try Self.eval(e, dot: dot, scopes)
                case .assign(let v, let e): try scopes.assign(v, try Self.eval(e, dot: dot, scopes))
                case .cond(let c, let yes, let no): out += try run(try Self.eval(c, dot: dot, scopes).truthy ? yes : no, dot)
                case .range(let index, let element, let over, let body):
                    guard case .list(let items) = try Self.eval(over, dot: dot, scopes) else { throw SFTError("range over a non-list") }
                    for (i, item) in items.enumerated() {
                        scopes.frames.append([:])
                        if let index { scopes.frames[scopes.frames.count - 1][index] = .int(i) }
                        if let element { scopes.frames[scopes.frames.count - 1][element] = item }
                        defer { scopes.frames.removeLast() }
                        out += try run(body, item)
                    }
                }
            }
            return out
        }
        return try run(nodes, data)
    }

    /// Ollama's chat data: .Messages (Role, Content) and .System (the system messages joined).
    func execute(system: String, messages: [Message]) throws -> String {
        let list = messages.map { Value.map(["Role": .str($0.role.rawValue), "Content": .str($0.content)]) }
        return try execute(.map(["Messages": .list(list), "System": .str(system)]))
    }
}
