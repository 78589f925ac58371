// The reference Python (torch, transformers, peft, gguf) for the tests that hand sft's files to the real
// libraries (ArchModelTests, Gemma3ModelTests, HFTokenizerExportTests), and the runner for their scripts/. CI has no torch: these checks run where a developer points
// SFT_REF_PYTHON at a Python with them (the one `make fixtures` uses); without it they skip and say so.
import Foundation
import XCTest

/// The executable SFT_REF_PYTHON names, or an XCTSkip naming the variable and what goes `unchecked` without it.
func referencePython(unchecked: String = "export not checked against transformers/PEFT") throws -> String {
    guard let python = ProcessInfo.processInfo.environment["SFT_REF_PYTHON"], !python.isEmpty else {
        throw XCTSkip("SFT_REF_PYTHON is not set (a Python with torch, transformers, peft): \(unchecked)")
    }
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw XCTSkip("no reference Python at SFT_REF_PYTHON=\(python): \(unchecked)")
    }
    return python
}

/// Runs scripts/`script` with `args` under `python`, fails the test when it exits non-zero (with its stderr), and
/// returns the JSON object it prints on stdout.
func runReferenceScript(_ python: String, script: String, _ args: [String]) throws -> [String: Any] {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/\(script)").path
    let proc = Process()
    proc.executableURL = URL(fileURLWithPath: python)
    proc.arguments = [path] + args
    let out = Pipe()
    proc.standardOutput = out
    // stderr to a file, not a second pipe: a pipe nobody reads could fill and stall the script
    let errPath = NSTemporaryDirectory() + "sft-\(script)-\(getpid()).err"
    FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    proc.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try proc.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    proc.waitUntilExit()
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    let printed = String(decoding: data, as: UTF8.self)
    XCTAssertEqual(proc.terminationStatus, 0, "\(script) failed: \(printed.suffix(2000)) \(err.suffix(2000))")
    return (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
}
