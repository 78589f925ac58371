// LiveModelGate: holders never overlap, the holder may take it again, waiters are served in arrival order, and
// yieldToWaiters lets everyone waiting run before the holder continues (the training loop between steps).
import Foundation
import SFT
import XCTest

final class LiveModelGateTests: XCTestCase {
    func testHoldersNeverOverlap() {
        let gate = LiveModelGate()
        let lock = NSLock()
        var inside = 0, maxInside = 0, count = 0
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<2000 {
                gate.withGate {
                    lock.lock(); inside += 1; maxInside = max(maxInside, inside); lock.unlock()
                    count += 1                       // unprotected on purpose: only the gate guards it
                    lock.lock(); inside -= 1; lock.unlock()
                }
            }
        }
        XCTAssertEqual(count, 8000)
        XCTAssertEqual(maxInside, 1)
    }

    func testReentrantForTheHolder() {
        let gate = LiveModelGate()
        let v = gate.withGate { gate.withGate { gate.heldByCurrentThread ? 7 : 0 } }
        XCTAssertEqual(v, 7)
        XCTAssertFalse(gate.heldByCurrentThread)
    }

    func testYieldLetsWaitersRunBetweenSteps() {
        let gate = LiveModelGate()
        let lock = NSLock()
        var log: [String] = []
        func note(_ s: String) { lock.lock(); log.append(s); lock.unlock() }
        let waiterDone = DispatchSemaphore(value: 0)
        gate.acquire()
        note("step 1")
        XCTAssertEqual(gate.yieldToWaiters(), 0, "nobody waits: no hand-over")
        Thread.detachNewThread {
            gate.withGate { note("request") }
            waiterDone.signal()
        }
        while gate.waiting == 0 { usleep(1000) }
        note("step 2")                               // the request waits for the step in progress
        XCTAssertEqual(gate.yieldToWaiters(), 1)     // ... and runs between steps
        note("step 3")
        gate.release()
        waiterDone.wait()
        XCTAssertEqual(log, ["step 1", "step 2", "request", "step 3"])
    }

    func testWaitersAreServedInArrivalOrder() {
        let gate = LiveModelGate()
        let lock = NSLock()
        var order: [Int] = []
        let group = DispatchGroup()
        gate.acquire()
        for i in 0..<5 {
            group.enter()
            Thread.detachNewThread {
                gate.withGate { lock.lock(); order.append(i); lock.unlock() }
                group.leave()
            }
            while gate.waiting < i + 1 { usleep(1000) }      // thread i waits before thread i+1 starts
        }
        gate.release()
        group.wait()
        XCTAssertEqual(order, [0, 1, 2, 3, 4])
    }
}
