// Every sessions/NN-name.sft that has a NN-name.out is run by the real binary and its stdout compared exactly
// with the golden transcript (only a trailing newline is ignored). The exit code must be 1 when the transcript
// shows an error and 0 otherwise. To regenerate after an intended change:
//   for f in sessions/*.sft; do SFT_HOME=$(mktemp -d) NO_COLOR=1 .build/release/sft $f > ${f%.sft}.out; done
import Foundation
import XCTest

final class GoldenSessionTests: XCTestCase {
    func testSessionsMatchGoldenTranscripts() throws {
        let dir = SFTBinary.packageRoot.appendingPathComponent("sessions")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sft") }.sorted()
        var checked = 0
        for name in scripts {
            let golden = dir.appendingPathComponent(String(name.dropLast(4)) + ".out")
            guard let expected = try? String(contentsOf: golden, encoding: .utf8) else { continue }
            // A script that serves on a fixed port (11-serve) needs that port free, or its transcript cannot match.
            let script = (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? ""
            if let r = script.range(of: #"serve --port \d+"#, options: .regularExpression), let port = Int(script[r].split(separator: " ").last!),
               !Self.portIsFree(port) {
                XCTFail("\(name) serves on port \(port), which another program uses now; free it and run again")
                continue
            }
            let r = try SFTBinary.run([dir.appendingPathComponent(name).path], timeout: 900, cwd: SFTBinary.packageRoot)
            func trim(_ s: String) -> String { s.hasSuffix("\n") ? String(s.dropLast()) : s }
            if trim(r.stdout) != trim(expected) {
                let a = trim(r.stdout).split(separator: "\n", omittingEmptySubsequences: false)
                let b = trim(expected).split(separator: "\n", omittingEmptySubsequences: false)
                let i = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
                XCTFail("\(name): stdout differs from \(golden.lastPathComponent) at line \(i + 1):\n"
                        + "  got:      \(i < a.count ? String(a[i]) : "<end>")\n"
                        + "  expected: \(i < b.count ? String(b[i]) : "<end>")")
            }
            // An error line: `error: ...`, or in a script `sessions/NN-x.sft:LINE: error: ...`.
            let showsError = expected.range(of: #"(^|\n)(\S+:\d+: )?error: "#, options: .regularExpression) != nil
            XCTAssertEqual(r.code, showsError ? 1 : 0, "\(name) exit code")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 3, "sessions/ should hold at least three scripts with golden .out files")
    }

    /// True when a socket can listen on 127.0.0.1:port now.
    static func portIsFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
