// What every fuzz target shares: the input bytes written to a temporary file with the extension the loader
// dispatches on, and the one rule of the harness: an SFTError (or any thrown error) is the right outcome for
// a bad file; only a crash, a leak or a timeout is a finding.
import Foundation
import SFT

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
               _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

public enum FuzzInput {
    /// The per-process file the current input is written to (in /dev/shm when present: no disk traffic).
    static func path(_ ext: String) -> String {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return dir + "/sft-fuzz-\(getpid()).\(ext)"
    }

    /// Writes the input to a file named `*.ext` and calls `body` with its path; errors are swallowed.
    public static func withFile(_ data: UnsafeRawPointer, _ count: Int, ext: String, _ body: (String) throws -> Void) {
        let p = path(ext)
        FileManager.default.createFile(atPath: p, contents: Data(bytes: data, count: count))
        defer { unlink(p) }
        do { try body(p) } catch {}
    }

    /// Hands `test` to libFuzzer's driver (SwiftPM gives an executable its own `main`, so libFuzzer's is not
    /// used; LLVMFuzzerRunDriver is its documented entry for that case) and exits with the driver's status.
    public static func run(_ test: @escaping (UnsafeRawPointer, Int) -> Void) -> Never {
        current = test
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv) { data, count in
            FuzzInput.current?(data.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(bitPattern: 1)!, count)
            return 0
        })
    }

    nonisolated(unsafe) static var current: ((UnsafeRawPointer, Int) -> Void)?

    /// The input as bytes.
    public static func bytes(_ data: UnsafeRawPointer, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: data, count: count))
    }
}
