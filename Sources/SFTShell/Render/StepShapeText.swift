// What one training step ran, for train's status line on a terminal: with packing, how many rows the step's
// conversations shared ("3 rows = 9 chats packed, 690 tokens"); without, "4 chats, 1024 tokens" (positions
// run, padding included: what the CPU did, and what tok/s counts).
import SFT

public enum StepShapeText {
    public static func text(_ s: StepShape, packing: Bool) -> String {
        let rows = packing && s.rows != s.conversations
            ? "\(Plural.count(s.rows, "row")) = \(Plural.count(s.conversations, "chat")) packed" : Plural.count(s.conversations, "chat")
        return "\(rows), \(Plural.count(s.positions, "token"))"
    }
}
