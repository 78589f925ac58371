// ModelWorker: one thread that runs the requests' model work one at a time, each holding the LiveModelGate
// (so it waits for the shell's command or the training step in progress, and they wait for it). The HTTP
// side never blocks on the model: it queues a job and awaits its events. The queue is bounded; a job beyond
// the bound is refused at once (the server answers 503 with Retry-After).
import Foundation
import SFT

final class ModelWorker: @unchecked Sendable {
    private let gate: LiveModelGate
    private let maxQueue: Int
    private let cond = NSCondition()
    private var jobs: [(job: ModelJob, work: () -> Void)] = []
    private var running = false
    private var stopping = false
    private var thread: Thread?
    private var current: ModelJob?
    /// Requests taken up (counted when their model work starts, so before the client can see the reply) and
    /// the seconds spent on them, for `status` and the Retry-After guess.
    private(set) var served = 0
    private var busySeconds = 0.0

    init(gate: LiveModelGate, maxQueue: Int) {
        self.gate = gate
        self.maxQueue = maxQueue
        let t = Thread { [unowned self] in self.loop() }
        t.name = "sft-serve-model"
        t.stackSize = 8 << 20
        thread = t
        t.start()
    }

    /// Jobs waiting (not counting the one running).
    var queued: Int { cond.lock(); defer { cond.unlock() }; return jobs.count }
    var stats: (served: Int, queued: Int, busy: Bool) {
        cond.lock(); defer { cond.unlock() }
        return (served, jobs.count, running)
    }

    /// Queues `work` (it reads `job.cancelled`); throws 503 (with a Retry-After guess from the mean job time)
    /// when the queue is full.
    func submit(_ job: ModelJob, _ work: @escaping () -> Void) throws {
        cond.lock(); defer { cond.unlock() }
        if stopping { throw APIError.stopping }
        if jobs.count >= maxQueue && running {
            let mean = served > 1 ? busySeconds / Double(served - 1) : 2
            let wait = max(1, Int((mean * Double(jobs.count + 1)).rounded(.up)))
            throw APIError(503, "the server is busy: \(jobs.count + 1) requests ahead (at most \(maxQueue) wait); retry after \(wait) s",
                           type: "server_error", code: "queue_full", retryAfter: wait)
        }
        jobs.append((job, work))
        cond.signal()
    }

    /// Refuses new jobs, cancels the running one at its next token, drops the queued ones (each gets a
    /// job already cancelled, so it answers `stopping`) and ends the thread after them.
    func stop() {
        cond.lock()
        stopping = true
        current?.cancel()
        cond.broadcast()
        cond.unlock()
    }

    private func loop() {
        while true {
            cond.lock()
            while jobs.isEmpty && !stopping { cond.wait() }
            if jobs.isEmpty && stopping { cond.unlock(); return }
            let (job, work) = jobs.removeFirst()
            if stopping { job.cancel() }
            current = job
            running = true
            served += 1
            cond.unlock()
            let t0 = Date()
            gate.withGate { work() }
            cond.lock()
            running = false
            current = nil
            busySeconds += Date().timeIntervalSince(t0)
            cond.unlock()
        }
    }
}

/// A running job's cancel flag: set when its client goes away, a stop string is seen, or the server stops.
final class ModelJob: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var cancelled: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func cancel() { lock.lock(); flag = true; lock.unlock() }
}
