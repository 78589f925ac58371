// LiveModelGate: one model, many users. The shell's commands, the training loop and `serve`'s requests all
// run the same live weights; whoever runs them holds the gate, so a request never sees weights half updated
// and two forwards never share the model's scratch (KV caches are per call, but the fp16 decode copy, LoRA's
// on/off flag and the training activations are the model's).
//
// A fair (FIFO ticket) lock that the holding thread may take again (a command inside `run FILE`).
// `yieldToWaiters` lets everyone already waiting go first and then takes the gate back: the training loop
// calls it between optimizer steps, so requests are answered between steps and training resumes after them.
import Foundation

public final class LiveModelGate: @unchecked Sendable {
    private let cond = NSCondition()
    private var nextTicket = 0          // the ticket the next acquirer draws
    private var serving = 0             // the ticket whose turn it is
    private var owner: pthread_t?       // the holding thread, nil when free
    private var depth = 0               // how many times the owner took it
    private var waitingCount = 0

    public init() {}

    /// Threads waiting for the gate now (status shows it).
    public var waiting: Int { cond.lock(); defer { cond.unlock() }; return waitingCount }

    /// True when the calling thread holds the gate.
    public var heldByCurrentThread: Bool {
        cond.lock(); defer { cond.unlock() }
        return owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    /// Runs `body` holding the gate, waiting in line for it first.
    public func withGate<T>(_ body: () throws -> T) rethrows -> T {
        acquire()
        defer { release() }
        return try body()
    }

    public func acquire() {
        cond.lock(); defer { cond.unlock() }
        let me = pthread_self()
        if let o = owner, pthread_equal(o, me) != 0 { depth += 1; return }
        let ticket = nextTicket
        nextTicket += 1
        waitingCount += 1
        while serving != ticket || owner != nil { cond.wait() }
        waitingCount -= 1
        owner = me
        depth = 1
    }

    public func release() {
        cond.lock(); defer { cond.unlock() }
        precondition(owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "LiveModelGate released by a thread that does not hold it")
        depth -= 1
        if depth == 0 {
            owner = nil
            serving += 1
            cond.broadcast()
        }
    }

    /// Called by the holder between units of work (training steps): when others wait, they go first (in the
    /// order they came), then the holder gets the gate back at the same depth. Returns how many went first.
    @discardableResult
    public func yieldToWaiters() -> Int {
        cond.lock()
        let me = pthread_self()
        guard let o = owner, pthread_equal(o, me) != 0, waitingCount > 0 else { cond.unlock(); return 0 }
        let ahead = waitingCount
        let savedDepth = depth
        owner = nil
        depth = 0
        serving += 1
        cond.broadcast()
        let ticket = nextTicket          // behind everyone already waiting
        nextTicket += 1
        waitingCount += 1
        while serving != ticket || owner != nil { cond.wait() }
        waitingCount -= 1
        owner = me
        depth = savedDepth
        cond.unlock()
        return ahead
    }
}
