// Kill -9 during saves. The test binary runs itself as a child (`<xctest> SFTTests.RepoCrashTests/
// testChildWriter` with SFT_REPO_CRASH_ROOT set), so the child uses the real Repository API in a fresh
// process rather than a fork of a multithreaded one. The child saves entry "model" (a 3 MiB weights blob and a
// 2 MiB streamed optimizer blob, both determined by the step, plus a config blob shared by every step) over
// and over, logging each step it finished. The parent kills it at a seeded random moment, then checks:
// every manifest parses, every blob it names verifies, "model" is exactly the step last logged or the one
// after (old or new, complete), steps never go back, and gc leaves no temporary files and only used blobs.
import Foundation
import XCTest
import SFT

final class RepoCrashTests: XCTestCase {
    static let rootVariable = "SFT_REPO_CRASH_ROOT"
    static let logVariable = "SFT_REPO_CRASH_LOG"

    /// The blobs of step `step`: weights, optimizer state, and a config that is the same for every step.
    static func content(step: Int) -> (weights: Data, optimizer: Data, config: Data) {
        var rng = RepoTestRNG(seed: UInt64(step) &* 1_000_003)
        return (rng.bytes(3 << 20), rng.bytes(2 << 20), Data(#"{"rank":8,"alpha":16}"#.utf8))
    }

    static func save(_ repo: Repository, step: Int) throws {
        let c = content(step: step)
        let w = try repo.putBlob(c.weights, mediaType: "application/safetensors")
        let o = try repo.putBlob { writer in
            for i in stride(from: 0, to: c.optimizer.count, by: 256 << 10) {
                try writer.write(c.optimizer.subdata(in: i..<min(i + (256 << 10), c.optimizer.count)))
            }
        }
        let cfg = try repo.putBlob(c.config, mediaType: "application/json")
        try repo.saveEntry("model", manifest: RepoManifest(
            name: "model", kind: .adapter, files: ["weights": w, "optimizer": o, "config": cfg],
            step: step, metrics: ["loss": 1 / Double(step)]))
    }

    /// Only does something when started by testKillDuringSavesLeavesOldOrNewEntry; otherwise passes at once.
    func testChildWriter() throws {
        let env = ProcessInfo.processInfo.environment
        guard let root = env[Self.rootVariable], let logPath = env[Self.logVariable] else { return }
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        func say(_ line: String) { _ = line.utf8CString.withUnsafeBytes { write(log, $0.baseAddress!, $0.count - 1) } }
        let repo = try Repository(root: root)
        var step = repo.contains("model") ? (try repo.entry("model").step ?? 0) : 0
        say("start \(step)\n")
        while true {
            step += 1
            try Self.save(repo, step: step)
            say("saved \(step)\n")
        }
    }

    func testKillDuringSavesLeavesOldOrNewEntry() throws {
        let dir = try makeTemporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/repo"
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var rng = RepoTestRNG(seed: 42)
        var lastStep = 0
        var killedWithTemporaryFiles = 0
        let iterations = 40
        let started = Date()

        for iteration in 0..<iterations {
            let logPath = dir + "/child-\(iteration).log"
            let child = Process()
            child.executableURL = URL(fileURLWithPath: exe)
            child.arguments = ["SFTTests.RepoCrashTests/testChildWriter"]
            var env = ProcessInfo.processInfo.environment
            env[Self.rootVariable] = root
            env[Self.logVariable] = logPath
            child.environment = env
            child.standardOutput = FileHandle.nullDevice
            let errPath = dir + "/child-\(iteration).err"
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            child.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
            try child.run()

            // Wait until the child has opened the repository, then kill it somewhere in the next few saves.
            let deadline = Date().addingTimeInterval(30)
            while !((try? String(contentsOfFile: logPath, encoding: .utf8))?.contains("start") ?? false) {
                guard child.isRunning, Date() < deadline else {
                    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                    return XCTFail("child \(iteration) did not start: \(err.suffix(2000))")
                }
                usleep(2000)
            }
            usleep(UInt32(rng.uniform(0..<400_000)))
            guard child.isRunning else {
                let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                return XCTFail("child \(iteration) exited by itself: \(err.suffix(2000))")
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal)

            // What the child said: the step it started from, then each step it finished.
            let lines = (try String(contentsOfFile: logPath, encoding: .utf8)).split(separator: "\n")
            let logged = lines.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.max() ?? -1
            XCTAssertEqual(lines.first?.hasPrefix("start"), true)

            let repo = try Repository(root: root)
            let tmpLeft = try FileManager.default.contentsOfDirectory(atPath: repo.temporaryDirectory).count
            if tmpLeft > 0 { killedWithTemporaryFiles += 1 }
            for summary in try repo.list() { XCTAssertNil(summary.problem, "iteration \(iteration): \(summary.name)") }
            for summary in try repo.list() { XCTAssertNoThrow(try repo.verifyEntry(summary.name), "iteration \(iteration)") }
            let step = repo.contains("model") ? (try repo.entry("model").step ?? -1) : 0
            XCTAssertTrue(step == logged || step == logged + 1, "iteration \(iteration): entry at step \(step), child logged \(logged)")
            XCTAssertGreaterThanOrEqual(step, lastStep, "iteration \(iteration): entry went back")
            if step > 0 {
                let m = try repo.entry("model")
                let c = Self.content(step: step)
                XCTAssertEqual(m.files["weights"]?.digest.hex, SHA256.hash(c.weights), "iteration \(iteration)")
                XCTAssertEqual(m.files["optimizer"]?.digest.hex, SHA256.hash(c.optimizer), "iteration \(iteration)")
                XCTAssertEqual(m.files["config"]?.digest.hex, SHA256.hash(c.config), "iteration \(iteration)")
            }
            lastStep = step

            // gc after a crash: no temporary files left, only the blobs "model" uses, which still verify.
            _ = try repo.gc()
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: repo.temporaryDirectory), [])
            let blobs = Set(try FileManager.default.contentsOfDirectory(atPath: repo.blobsDirectory))
            let used = step > 0 ? Set(try repo.entry("model").files.values.map(\.digest.hex)) : []
            XCTAssertEqual(blobs, used, "iteration \(iteration)")
            if step > 0 { XCTAssertNoThrow(try repo.verifyEntry("model")) }
            if testRun?.failureCount ?? 0 > 0 { break }
        }
        FileHandle.standardError.write(("crash test: \(iterations) kills in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, " +
            "\(lastStep) steps saved, \(killedWithTemporaryFiles) kills left temporary files\n").data(using: .utf8)!)
        XCTAssertGreaterThan(lastStep, 0, "no save ever completed")
        XCTAssertGreaterThan(killedWithTemporaryFiles, 0, "no kill landed in the middle of a write")
    }
}
