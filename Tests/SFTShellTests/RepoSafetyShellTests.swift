// The repository under stress, through the real binary (issue 14): two processes saving and collecting on one
// SFT_HOME at once, leftovers of killed writes removed by `repo gc`, and a full disk (a file-size limit with
// SIGXFSZ ignored, so writes fail with EFBIG as they would with ENOSPC) losing nothing.
import Foundation
import XCTest

final class RepoSafetyShellTests: XCTestCase {
    var modelPath: String { RepoShellTests.modelPath }

    func scriptFile(_ lines: [String], home: URL, name: String) throws -> String {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            XCTFail("no model at \(modelPath): set SFT_MODEL or run `make model`")
            throw XCTSkip("model missing")
        }
        let file = home.appendingPathComponent(name)
        try (["#!keep-going", "model load \(modelPath)"] + lines).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Starts `sft --no-model SCRIPT` (optionally through bash for ulimit), output to files in `home`.
    func start(_ script: String, home: URL, tag: String, shell prefix: String? = nil) throws -> (Process, URL) {
        let exe = try SFTBinary.require()
        let out = home.appendingPathComponent(tag + ".out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let p = Process()
        if let prefix {
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "\(prefix); exec \"$0\" --no-model \"$1\"", exe, script]
        } else {
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["--no-model", script]
        }
        var env = ProcessInfo.processInfo.environment
        env["SFT_HOME"] = home.path
        env["NO_COLOR"] = "1"
        p.environment = env
        p.currentDirectoryURL = SFTBinary.packageRoot
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    func finish(_ p: Process, _ out: URL, timeout: Double = 300) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); XCTFail("sft did not finish in \(timeout) s") }
        p.waitUntilExit()
        return try String(contentsOf: out, encoding: .utf8)
    }

    func run(_ lines: [String], home: URL, tag: String) throws -> String {
        let (p, out) = try start(try scriptFile(lines, home: home, name: tag + ".sft"), home: home, tag: tag)
        return try finish(p, out)
    }

    func tmpEntries(_ home: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent("repo/tmp").path)) ?? []
    }

    /// Two processes on one SFT_HOME: one saves adapters in a loop while the other saves its own and runs
    /// `repo gc` after each. Every save succeeds (gc waits for a save's lock instead of removing its new blobs)
    /// and every entry verifies afterwards.
    func testTwoProcessesSaveAndCollect() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        var a: [String] = [], b: [String] = []
        for i in 1...6 {
            a += ["lora add --rank \(i) --targets q,v", "save a\(i)", "lora drop"]
            b += ["lora add --rank \(i) --targets k,o", "save b\(i)", "lora drop", "repo gc", "repo gc"]
        }
        let (pa, oa) = try start(try scriptFile(a, home: home, name: "a.sft"), home: home, tag: "a")
        let (pb, ob) = try start(try scriptFile(b, home: home, name: "b.sft"), home: home, tag: "b")
        let outA = try finish(pa, oa), outB = try finish(pb, ob)
        for i in 1...6 {
            XCTAssertTrue(outA.contains("saved adapter 'a\(i)'"), outA)
            XCTAssertTrue(outB.contains("saved adapter 'b\(i)'"), outB)
        }
        XCTAssertFalse(outA.contains("error:"), outA)
        XCTAssertFalse(outB.contains("error:"), outB)
        let names = (1...6).flatMap { ["a\($0)", "b\($0)"] }
        let verify = try run(names.map { "repo verify \($0)" } + ["repo gc"], home: home, tag: "verify")
        for n in names { XCTAssertTrue(verify.contains("'\(n)' is intact"), verify) }
        XCTAssertTrue(verify.contains("freed 0 B in 0 files"), verify)   // nothing unreferenced was left behind
        XCTAssertEqual(tmpEntries(home), [])
    }

    /// A save killed with SIGKILL mid-way, plus temporaries and scratch directories of a process that is gone:
    /// `repo gc` removes all of them and says how much it freed; the entries saved before are intact.
    func testKilledSavesAreCollected() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        XCTAssertTrue(try run(["lora add", "save kept"], home: home, tag: "first").contains("saved adapter 'kept'"))
        var lines: [String] = []
        for i in 1...40 { lines += ["lora add --rank \(8 + i % 5)", "save loop\(i)", "lora drop"] }
        let (p, out) = try start(try scriptFile(lines, home: home, name: "loop.sft"), home: home, tag: "loop")
        // Wait for the first loop save, then kill during the following ones.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("saved adapter 'loop1'") { usleep(20_000) }
        usleep(150_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // What a killed process leaves, made deterministic: a dead pid's temporary file and scratch directory.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run(); gone.waitUntilExit()
        let tmp = home.appendingPathComponent("repo/tmp")
        FileManager.default.createFile(atPath: tmp.path + "/blob.tmp-\(gone.processIdentifier)-42", contents: Data(count: 100_000))
        try FileManager.default.createDirectory(atPath: tmp.path + "/export-\(gone.processIdentifier)-7", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: tmp.path + "/export-\(gone.processIdentifier)-7/adapter_model.safetensors", contents: Data(count: 50_000))
        XCTAssertGreaterThanOrEqual(tmpEntries(home).count, 2)
        let after = try run(["repo gc", "repo verify kept", "repo list"], home: home, tag: "gc")
        XCTAssertTrue(after.contains("left by stopped saves"), after)
        XCTAssertTrue(after.contains("'kept' is intact"), after)
        XCTAssertEqual(tmpEntries(home), [])
        for line in after.split(separator: "\n") where line.contains("loop") && line.contains("DAMAGED") { XCTFail(String(line)) }
    }

    /// Writes under a 3 MB file-size limit: a small adapter saves, a larger one fails with one clear error and
    /// leaves no temporary; the earlier entry verifies; session save, export and data save fail or succeed
    /// cleanly; the shell keeps going (the last command runs).
    func testFullDiskLosesNothing() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let export = home.appendingPathComponent("peft").path
        let script = try scriptFile([
            "data load sessions/data/general.jsonl",
            "lora add --rank 1 --targets q",
            "save small",
            "lora drop",
            "lora add --rank 64",
            "save big",
            "export peft \(export)",
            "session save full --force",
            "data save general \(home.path)/general-copy.jsonl",
            "repo verify small",
            "repo list",
            "status",
        ], home: home, name: "full.sft")
        let (p, out) = try start(script, home: home, tag: "full", shell: "trap '' XFSZ; ulimit -f 3000")
        let text = try finish(p, out)
        XCTAssertTrue(text.contains("saved adapter 'small'"), text)
        XCTAssertFalse(text.contains("saved adapter 'big'"), text)
        XCTAssertTrue(text.contains("File too large"), text)
        XCTAssertTrue(text.contains("'small' is intact"), text)
        XCTAssertFalse(text.contains(" big "), text)   // no entry named big in the list
        XCTAssertTrue(text.contains("sft> status"), text)
        XCTAssertEqual(tmpEntries(home), [])
        // Nothing partial under a real name: the export directory has no half-written weights.
        let exported = export + "/adapter_model.safetensors"
        if FileManager.default.fileExists(atPath: exported) {
            let size = (try FileManager.default.attributesOfItem(atPath: exported)[.size] as? Int) ?? 0
            XCTAssertLessThan(size, 3000 * 1024)
        }
        let stray = (try FileManager.default.subpathsOfDirectory(atPath: home.path)).filter { $0.contains(".tmp") }
        XCTAssertEqual(stray, [], "temporaries left: \(stray)")
    }
}
