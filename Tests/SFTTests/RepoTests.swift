// The repository's behaviour in one process: blobs stored once, loaded and verified; damage found and named;
// manifests round-trip every field; gc removes exactly the unreferenced blobs and stale temporary files;
// entry names that could escape the repository are refused with a hint; AtomicFile keeps the old file on error.
// Kill -9 during saves is in RepoCrashTests.
import Foundation
import XCTest
import SFT

final class RepoTests: XCTestCase {
    var dir = ""
    var repo: Repository!

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("repo")
        repo = try Repository(root: dir + "/repo")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func blobFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repo.blobsDirectory).sorted()
    }

    func testSameBytesAreStoredOnceWhicheverWayTheyArrive() throws {
        var rng = RepoTestRNG(seed: 1)
        let data = rng.bytes(3 << 20 + 17)
        let a = try repo.putBlob(data, mediaType: "application/safetensors")
        let b = try repo.putBlob(data)
        XCTAssertEqual(a.digest, b.digest)
        XCTAssertEqual(a.size, Int64(data.count))
        XCTAssertEqual(a.mediaType, "application/safetensors")
        XCTAssertEqual(a.digest.hex, SHA256.hash(data))

        let source = dir + "/source.bin"
        try data.write(to: URL(fileURLWithPath: source))
        XCTAssertEqual(try repo.putBlob(file: source).digest, a.digest)
        let streamed = try repo.putBlob { w in
            var i = 0
            while i < data.count {  // uneven pieces, some larger than the writer's buffer
                let n = min([1, 1000, 2 << 20][i % 3] + i % 7, data.count - i)
                try w.write(data.subdata(in: i..<(i + n)))
                i += n
            }
        }
        XCTAssertEqual(streamed.digest, a.digest)
        XCTAssertEqual(streamed.size, Int64(data.count))

        XCTAssertEqual(try blobFiles(), [a.digest.hex])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: repo.temporaryDirectory), [])
        XCTAssertEqual(try repo.loadBlob(a.digest), data)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: repo.blobPath(a.digest))), data)
        XCTAssertNoThrow(try repo.verifyBlob(a.digest))

        let other = try repo.putBlob(Data("other".utf8))
        XCTAssertEqual(try blobFiles(), [a.digest.hex, other.digest.hex].sorted())
    }

    func testStreamingWriterThatThrowsStoresNothing() throws {
        XCTAssertThrowsError(try repo.putBlob { w in
            try w.write(Data(repeating: 1, count: 5000))
            throw SFTError("stop")
        })
        XCTAssertEqual(try blobFiles(), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: repo.temporaryDirectory), [])
    }

    func testFlippedByteIsFoundAndNamed() throws {
        var rng = RepoTestRNG(seed: 2)
        let data = rng.bytes(100_000)
        let f = try repo.putBlob(data)
        try repo.saveEntry("smol-chat", manifest: RepoManifest(name: "", kind: .adapter, files: ["adapter": f]))
        XCTAssertNoThrow(try repo.verifyEntry("smol-chat"))

        let path = repo.blobPath(f.digest)
        var damaged = data
        damaged[54_321] ^= 0x10
        try damaged.write(to: URL(fileURLWithPath: path))

        XCTAssertThrowsError(try repo.verifyBlob(f.digest)) { e in
            let e = e as! SFTError
            XCTAssertEqual(e.file, path)
            XCTAssertTrue(e.message.contains("damaged"), e.message)
            XCTAssertTrue(e.hint?.contains("'smol-chat'") ?? false, "\(e)")
        }
        XCTAssertThrowsError(try repo.verifyEntry("smol-chat")) { e in
            let e = e as! SFTError
            XCTAssertEqual(e.file, path)
            XCTAssertTrue(e.message.contains("entry 'smol-chat'") && e.message.contains("'adapter'"), e.message)
        }
        XCTAssertThrowsError(try repo.loadBlob(f.digest)) { e in XCTAssertEqual((e as! SFTError).file, path) }
        XCTAssertEqual(try repo.loadBlob(f.digest, verify: false), damaged)

        // Storing the same bytes again repairs the blob rather than trusting the damaged copy.
        try repo.putBlob(data)
        XCTAssertNoThrow(try repo.verifyEntry("smol-chat"))

        try Data(data.prefix(10)).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try repo.verifyEntry("smol-chat")) { e in
            XCTAssertTrue((e as! SFTError).message.contains("expected 100000"), "\(e)")
        }
        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try repo.verifyBlob(f.digest)) { e in
            XCTAssertTrue((e as! SFTError).message.contains("missing"), "\(e)")
        }
    }

    func testManifestRoundTripsEveryField() throws {
        let w = try repo.putBlob(Data("weights".utf8), mediaType: "application/safetensors")
        let c = try repo.putBlob(Data("{}".utf8), mediaType: "application/json")
        let m = RepoManifest(
            name: "ignored", kind: .adapter, description: "first try on 中文 chats", created: "2026-11-23T19:40:00Z",
            parent: "base-run", files: ["adapter": w, "config": c],
            baseModel: RepoBaseModel(name: "SmolLM2-135M-Instruct", hash: "sha256:" + String(repeating: "a", count: 64)),
            tokenizerHash: "sha256:" + String(repeating: "b", count: 64), template: "chatml",
            datasets: [RepoDatasetRef(name: "alpaca-mini", hash: "h1", samples: 120)],
            hyperparameters: ["lr": .double(2e-4), "rank": .int(8), "targets": .array([.string("q"), .string("v")]),
                              "dora": .bool(false), "none": .null, "nested": .object(["a": .int(1)])],
            step: 40, metrics: ["loss": 1.25, "eval_loss": .nan, "grad": .infinity],
            extra: ["note": .string("x")])
        let stored = try repo.saveEntry("中文-lora", manifest: m)
        XCTAssertEqual(stored.name, "中文-lora")
        let back = try repo.entry("中文-lora")
        XCTAssertEqual(back.hyperparameters, m.hyperparameters)
        XCTAssertTrue(back.metrics["eval_loss"]!.isNaN)
        XCTAssertEqual(back.metrics["grad"], .infinity)
        var a = back, b = stored
        a.metrics["eval_loss"] = 0
        b.metrics["eval_loss"] = 0
        XCTAssertEqual(a, b)
        XCTAssertEqual(back.version, RepoManifest.currentVersion)

        // Missing optional fields decode to defaults; a newer version is refused with a hint.
        let minimal = try RepoManifest.parse(Data(#"{"version":1,"name":"m","kind":"merged"}"#.utf8), path: "m.json")
        XCTAssertEqual(minimal.kind, .merged)
        XCTAssertEqual(minimal.files, [:])
        XCTAssertThrowsError(try RepoManifest.parse(Data(#"{"version":99,"name":"m","kind":"full"}"#.utf8), path: "m.json")) { e in
            XCTAssertEqual((e as! SFTError).file, "m.json")
            XCTAssertNotNil((e as! SFTError).hint)
        }
        XCTAssertThrowsError(try RepoManifest.parse(Data(#"{"version":1,"name":"m","kind":"full","files":{"w":{"digest":"sha256:../../etc","size":1,"mediaType":"x"}}}"#.utf8), path: "m.json")) { e in
            XCTAssertTrue((e as! SFTError).message.contains("files.w.digest"), "\(e)")
        }

        try repo.saveEntry("second", manifest: RepoManifest(name: "", kind: .full, step: 3))
        let list = try repo.list()
        XCTAssertEqual(list.map(\.name), ["second", "中文-lora"])
        XCTAssertEqual(list[1].kind, .adapter)
        XCTAssertEqual(list[1].fileCount, 2)
        XCTAssertEqual(list[1].size, 9)
        XCTAssertEqual(list[1].parent, "base-run")
        XCTAssertEqual(list[1].baseModel, "SmolLM2-135M-Instruct")
        XCTAssertNil(list[1].problem)

        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: repo.manifestsDirectory + "/broken.json"))
        let withBroken = try repo.list()
        XCTAssertEqual(withBroken.map(\.name), ["broken", "second", "中文-lora"])
        XCTAssertNotNil(withBroken[0].problem)
        XCTAssertThrowsError(try repo.entry("broken")) { e in
            XCTAssertEqual((e as! SFTError).file, repo.manifestsDirectory + "/broken.json")
        }
    }

    func testSaveRefusesFilesNotInTheRepository() throws {
        let ghost = RepoFile(digest: Digest(String(repeating: "c", count: 64))!, size: 3)
        XCTAssertThrowsError(try repo.saveEntry("e", manifest: RepoManifest(name: "e", kind: .adapter, files: ["adapter": ghost]))) { e in
            XCTAssertTrue((e as! SFTError).message.contains("not in the repository"), "\(e)")
        }
        let real = try repo.putBlob(Data("abc".utf8))
        var wrongSize = real
        wrongSize.size = 4
        XCTAssertThrowsError(try repo.saveEntry("e", manifest: RepoManifest(name: "e", kind: .adapter, files: ["adapter": wrongSize])))
        XCTAssertFalse(repo.contains("e"))
        XCTAssertThrowsError(try repo.entry("e")) { e in XCTAssertNotNil((e as! SFTError).hint) }
        XCTAssertThrowsError(try repo.remove("e"))
    }

    func testGCRemovesOnlyUnreferencedBlobsAndStaleTemporaryFiles() throws {
        let shared = try repo.putBlob(Data(repeating: 1, count: 1000))
        let onlyA = try repo.putBlob(Data(repeating: 2, count: 2000))
        let onlyB = try repo.putBlob(Data(repeating: 3, count: 3000))
        let loose = try repo.putBlob(Data(repeating: 4, count: 4000))
        try repo.saveEntry("a", manifest: RepoManifest(name: "a", kind: .adapter, files: ["x": shared, "y": onlyA]))
        try repo.saveEntry("b", manifest: RepoManifest(name: "b", kind: .adapter, files: ["x": shared, "y": onlyB]))
        let tmp = repo.temporaryDirectory
        try Data(repeating: 9, count: 500).write(to: URL(fileURLWithPath: tmp + "/blob.tmp-999999999-1"))  // no such pid
        try Data(repeating: 9, count: 500).write(to: URL(fileURLWithPath: tmp + "/blob.tmp-\(getpid())-2")) // still running
        // A file in blobs/ that is not a digest is not ours to delete.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: repo.blobsDirectory + "/README"))

        var r = try repo.gc()
        XCTAssertEqual(r, RepoGCResult(removedBlobs: 1, freedBytes: 4500, removedTemporaryFiles: 1, temporaryBytes: 500))  // freed counts the temporary too
        XCTAssertFalse(repo.hasBlob(loose.digest))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), ["blob.tmp-\(getpid())-2"])

        try repo.remove("a")
        XCTAssertEqual(try repo.list().map(\.name), ["b"])
        // minimumAge keeps fresh unreferenced blobs (a concurrent save's) until they are old enough.
        r = try repo.gc(minimumAge: 3600)
        XCTAssertEqual(r.removedBlobs, 0)
        r = try repo.gc()
        XCTAssertEqual(r, RepoGCResult(removedBlobs: 1, freedBytes: 2000, removedTemporaryFiles: 0))
        XCTAssertTrue(repo.hasBlob(shared.digest))
        XCTAssertTrue(repo.hasBlob(onlyB.digest))
        XCTAssertFalse(repo.hasBlob(onlyA.digest))
        XCTAssertNoThrow(try repo.verifyEntry("b"))
        XCTAssertEqual(try blobFiles(), ["README", shared.digest.hex, onlyB.digest.hex].sorted())

        // An unreadable manifest stops gc: its blobs are unknown.
        try Data("{".utf8).write(to: URL(fileURLWithPath: repo.manifestsDirectory + "/bad.json"))
        try repo.remove("b")
        XCTAssertThrowsError(try repo.gc()) { e in
            XCTAssertTrue((e as! SFTError).message.contains("'bad'"), "\(e)")
        }
        XCTAssertTrue(repo.hasBlob(shared.digest))
        try repo.remove("bad")
        XCTAssertEqual(try repo.gc().removedBlobs, 2)
    }

    func testNamesThatCouldEscapeAreRefused() throws {
        let bad = ["../x", "a/b", ".hidden", "", String(repeating: "n", count: 200), "a\u{0}b", "a b", "..", "-x",
                   "x..y", "a\\b", "tab\tx", "a:b", "\u{301}x"]
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        for name in bad {
            XCTAssertThrowsError(try RepoName.validate(name), name) { e in
                let e = e as! SFTError
                XCTAssertTrue(e.message.hasPrefix("invalid entry name"), e.message)
                XCTAssertTrue(e.hint?.contains("letters, digits") ?? false)
                XCTAssertFalse(e.message.contains("\u{0}"))
            }
            XCTAssertThrowsError(try repo.saveEntry(name, manifest: RepoManifest(name: name, kind: .adapter)))
            XCTAssertThrowsError(try repo.entry(name))
            XCTAssertThrowsError(try repo.remove(name))
            XCTAssertFalse(repo.contains(name))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: repo.manifestsDirectory), [])
        XCTAssertThrowsError(try RepoName.validate("a/b")) { e in
            XCTAssertTrue((e as! SFTError).message.contains("path separator"), "\(e)")
        }
        XCTAssertThrowsError(try RepoName.validate(String(repeating: "n", count: 200))) { e in
            XCTAssertTrue((e as! SFTError).message.contains("200 characters"), "\(e)")
        }

        for good in ["smol-chat_v1.2", "中文-lora", "Ünïcode", "v2", String(repeating: "n", count: 64), "日本語のモデル"] {
            XCTAssertEqual(try RepoName.validate(good), good)
        }
        // NFC: "e" + combining acute and the precomposed "é" are one entry.
        XCTAssertEqual(try RepoName.validate("cafe\u{301}"), "caf\u{e9}")
        try repo.saveEntry("cafe\u{301}", manifest: RepoManifest(name: "", kind: .full))
        XCTAssertTrue(repo.contains("caf\u{e9}"))
    }

    func testAtomicFileReplacesWholeOrNotAtAll() throws {
        let path = dir + "/session.json"
        try AtomicFile.write(Data("one".utf8), to: path)
        try AtomicFile.write(Data("two".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two")
        XCTAssertThrowsError(try AtomicFile.write(to: path) { w in
            try w.write("three, half written")
            throw SFTError("disk on fire")
        })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two")
        try AtomicFile.write(to: path) { w in
            for i in 0..<1000 { try w.write("line \(i)\n") }
            try w.write(Data(repeating: 65, count: 3 << 20))
        }
        let text = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(text.count, (0..<1000).reduce(0) { $0 + "line \($1)\n".utf8.count } + (3 << 20))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["repo", "session.json"])
        // Leftovers of a killed writer go; a live writer's temporary and other files stay.
        for name in [".session.json.tmp-999999999-5", ".session.json.tmp-\(getpid())-6", "notes.tmp-x"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        XCTAssertEqual(AtomicFile.removeStaleTemporaryFiles(in: dir), 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(),
                       [".session.json.tmp-\(getpid())-6", "notes.tmp-x", "repo", "session.json"])
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: dir + "/no/such/dir/f")) { e in
            XCTAssertEqual((e as! SFTError).message, "folder \(dir)/no/such/dir does not exist")
        }
    }
}
