// Teaching by example from `chat`: `/fix TEXT` replaces the model's last answer with TEXT and `/good` keeps it
// as it is; either appends the whole conversation (system prompt included) to a dataset, `taught` unless
// `--to NAME` was given to chat, created when missing. `train --data taught` (or `--data NAME,taught`) then
// trains on it; `data save taught FILE` keeps it.
import Foundation
import SFT

enum ChatTeaching {
    /// Appends `messages` to dataset `name` (created when missing); returns its new size.
    static func append(_ session: Session, _ messages: [Message], to name: String) throws -> Int {
        var d = session.datasets[name] ?? Dataset(name: name, source: nil, format: .messages)
        let created = session.datasets[name] == nil
        try d.add(Conversation(messages, source: name, line: d.count + 1))
        _ = session.store(d)
        if created { session.out.print("(created dataset '\(name)'; `data list` shows it)") }
        return d.count
    }

    /// `/fix TEXT` and `/good`: the turns after the change, or a message when there is nothing to keep.
    static func handle(_ command: String, _ text: String, system: String?, turns: inout [Message], session: Session, dataset: String) throws {
        guard turns.last?.role == .assistant else {
            return session.out.print("(nothing to \(command == "/fix" ? "fix" : "keep"): the model has not answered yet)")
        }
        if command == "/fix" {
            guard !text.isEmpty else { return session.out.print("(/fix needs the answer you want: /fix TEXT)") }
            turns[turns.count - 1] = Message(.assistant, text)
        }
        let messages = (system.map { [Message(.system, $0)] } ?? []) + turns
        let n = try append(session, messages, to: dataset)
        session.out.print("(\(command == "/fix" ? "fixed answer" : "conversation") added to '\(dataset)': \(Plural.count(n, "sample")); `train --data \(dataset)` trains on it)")
    }
}
