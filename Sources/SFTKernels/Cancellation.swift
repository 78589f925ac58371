// Ctrl-C during a long command (training, generation, loading) sets this flag; long loops poll it at safe
// points (between steps, tokens, files) and return early with state intact. The shell clears it before each
// command. A lock-free atomic, so the SIGINT handler may set it.
import Synchronization

public enum Cancellation {
    private static let flag = Atomic<Int32>(0)

    public static var requested: Bool { flag.load(ordering: .relaxed) != 0 }
    public static func request() { flag.store(1, ordering: .relaxed) }
    public static func reset() { flag.store(0, ordering: .relaxed) }
}
