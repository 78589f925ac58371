// SFTError: the one error type for anything a person did or a file contains. It carries where (file and
// line, or row), what is wrong, and a hint on what to do; the shell prints it and keeps going.
// `precondition` is only for programmer mistakes, never for user input or file contents.

public struct SFTError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public var hint: String?
    public var file: String?
    public var line: Int?

    public init(_ message: String, hint: String? = nil, file: String? = nil, line: Int? = nil) {
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
    }

    /// `path:line: message`, then `hint: ...` on its own line when there is one.
    public var description: String {
        var place = ""
        if let file { place = line.map { "\(file):\($0): " } ?? "\(file): " }
        return place + message + (hint.map { "\nhint: \($0)" } ?? "")
    }
}
