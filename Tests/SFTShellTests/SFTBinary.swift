// Test support: the real built `sft` binary (.build/release/sft from the package root, which `make test` builds
// first), run through pipes with a temporary SFT_HOME, and a throwaway SFT_HOME directory.
import Foundation
import XCTest

enum SFTBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var path: String { packageRoot.appendingPathComponent(".build/release/sft").path }

    /// The binary's path, or a failure telling how to build it.
    static func require(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("no sft binary at \(path): run `swift build -c release` (make test does)", file: file, line: line)
            throw XCTSkip("binary missing")
        }
        return path
    }

    /// A fresh empty directory for SFT_HOME.
    static func tempHome() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Result { var stdout: String; var stderr: String; var code: Int32 }

    /// Runs sft with arguments and stdin text through pipes; kills it after `timeout` seconds.
    /// `environment` entries override the test's own (nil removes the variable).
    static func run(_ args: [String], stdin: String = "", home: URL? = nil, timeout: Double = 30,
                    cwd: URL? = nil, environment: [String: String?] = [:]) throws -> Result {
        let exe = try require()
        let home = home ?? tempHome()
        let dir = tempHome()
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err"),
            inURL = dir.appendingPathComponent("in")
        try Data(stdin.utf8).write(to: inURL)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SFT_HOME"] = home.path
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        p.standardInput = try FileHandle(forReadingFrom: inURL)
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(5_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); XCTFail("sft \(args) did not finish in \(timeout) s") }
        p.waitUntilExit()
        return Result(stdout: try String(contentsOf: outURL, encoding: .utf8),
                      stderr: try String(contentsOf: errURL, encoding: .utf8), code: p.terminationStatus)
    }
}
