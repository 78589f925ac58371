// SHA-256 against the FIPS 180-4 / NIST example vectors, against streaming in odd chunk sizes, and against
// the system's `sha256sum` on a 10 MB file of seeded random bytes. Prints the hashing speed to stderr.
import Foundation
import XCTest
import SFT

final class RepoSHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hash(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding boundaries, fed in pieces, equal the one-shot hash.
    func testStreamingMatchesOneShot() {
        var rng = RepoTestRNG(seed: 7)
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4099] {
            let data = rng.bytes(length)
            let whole = SHA256.hash(data)
            for piece in [1, 3, 63, 64, 65, 200] {
                var s = SHA256()
                var i = 0
                while i < data.count {
                    s.update(data.subdata(in: i..<min(i + piece, data.count)))
                    i += piece
                }
                XCTAssertEqual(s.finalizeHex(), whole, "length \(length) piece \(piece)")
            }
        }
    }

    func testTenMegabytesMatchesSha256sum() throws {
        let dir = try makeTemporaryDirectory("sha")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = RepoTestRNG(seed: 20261123)
        let data = rng.bytes(10 << 20)
        let path = dir + "/random.bin"
        try data.write(to: URL(fileURLWithPath: path))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let expected = String(out.prefix(64))

        let start = Date()
        let mine = SHA256.hash(data)
        let seconds = Date().timeIntervalSince(start)
        FileHandle.standardError.write("sha256: 10 MiB in \(String(format: "%.1f", seconds * 1000)) ms, \(String(format: "%.0f", 10 / seconds)) MiB/s\n".data(using: .utf8)!)
        XCTAssertEqual(mine, expected)
        XCTAssertEqual(try SHA256.hash(file: path).hex, expected)
        XCTAssertEqual(try SHA256.hash(file: path).size, Int64(data.count))
    }
}

/// SplitMix64: the seeded generator the repository tests draw bytes and kill moments from.
struct RepoTestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
    mutating func bytes(_ n: Int) -> Data {
        var words = [UInt64](repeating: 0, count: (n + 7) / 8)
        for i in words.indices { words[i] = next() }
        return words.withUnsafeBytes { Data($0.prefix(n)) }
    }
    mutating func uniform(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

func makeTemporaryDirectory(_ tag: String) throws -> String {
    let dir = NSTemporaryDirectory() + "sft-\(tag)-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
