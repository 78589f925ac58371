// RepoEntries on the tiny PEFT fixture (Tests/Fixtures/peft): save an adapter, open the repository again (a fresh
// session), list and load it back to identical values; full weights round-trip; a damaged blob is named on load
// and nothing is built; bad names are refused; export gguf (merged, F32) loads back with loadModel and gives the
// live merged model's logits; identities are stable.
import Foundation
import XCTest
import SFT

final class RepoSaveTests: XCTestCase {
    var root = ""

    override func setUp() {
        root = NSTemporaryDirectory() + "sft-reposave-\(getpid())-\(UUID().uuidString)"
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func fixture() throws -> (LoadedModel, LoRA) {
        let base = try loadModel(path: LoRAIOTests.dir + "/base")
        return (base, try LoRAIO.read(directory: LoRAIOTests.dir + "/adapter", model: base.config))
    }

    func values(_ b: FloatBuffer) -> [Float] { Array(UnsafeBufferPointer(start: b.base, count: b.count)) }

    func testAdapterSaveListLoadInFreshRepository() throws {
        let (base, lora) = try fixture()
        let manifest = RepoManifest(name: "x", kind: .adapter, description: "tiny", baseModel: RepoBaseModel(name: "tiny", hash: "sha256:" + String(repeating: "a", count: 64)),
                                    hyperparameters: ["lora-rank": .int(4)])
        let saved = try RepoEntries.saveAdapter(lora, repo: try Repository(root: root), name: "tiny-v1", manifest: manifest,
                                                source: SaveSource(step: 5, metrics: ["loss": 1.5]))
        XCTAssertEqual(saved.kind, .adapter)
        XCTAssertEqual(Set(saved.files.keys), ["adapter", "adapter_config"])

        let fresh = try Repository(root: root)
        let list = try fresh.list()
        XCTAssertEqual(list.map(\.name), ["tiny-v1"])
        XCTAssertEqual(list[0].step, 5)
        XCTAssertEqual(list[0].baseModel, "tiny")
        let (back, m) = try RepoEntries.loadAdapter(repo: fresh, name: "tiny-v1", model: base.config)
        XCTAssertEqual(m.metrics["loss"], 1.5)
        XCTAssertEqual(m.description, "tiny")
        XCTAssertEqual(back.config, lora.config)
        XCTAssertEqual(values(back.params), values(lora.params))

        // saving the same adapter again under another name stores no new blob
        try RepoEntries.saveAdapter(lora, repo: fresh, name: "tiny-v2", manifest: manifest)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fresh.blobsDirectory).count, 2)
        XCTAssertThrowsError(try RepoEntries.loadFull(repo: fresh, name: "tiny-v1", into: ParameterTensors(config: base.config))) {
            XCTAssertTrue("\($0)".contains("not full weights"), "\($0)")
        }
    }

    func testDamagedBlobIsNamedOnLoad() throws {
        let (base, lora) = try fixture()
        let repo = try Repository(root: root)
        let saved = try RepoEntries.saveAdapter(lora, repo: repo, name: "dmg", manifest: RepoManifest(name: "dmg", kind: .adapter))
        let blob = repo.blobPath(saved.files["adapter"]!.digest)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: blob))
        XCTAssertThrowsError(try RepoEntries.loadAdapter(repo: repo, name: "dmg", model: base.config)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("file 'adapter'"), s)
            XCTAssertTrue(s.contains("damaged"), s)
            XCTAssertTrue(s.contains(blob), s)
        }
    }

    func testBadNamesAreRefused() throws {
        let (_, lora) = try fixture()
        let repo = try Repository(root: root)
        for bad in ["a/b", "", "..x", " x", "-x"] {
            XCTAssertThrowsError(try RepoEntries.saveAdapter(lora, repo: repo, name: bad, manifest: RepoManifest(name: "x", kind: .adapter))) {
                XCTAssertTrue("\($0)".contains("invalid entry name"), "\($0)")
            }
        }
        XCTAssertEqual(try repo.list().count, 0)
    }

    func testFullWeightsRoundTrip() throws {
        let (base, lora) = try fixture()
        let repo = try Repository(root: root)
        let merged = LoRAIO.mergedCopy(base.params, lora: lora)
        try RepoEntries.saveFull(merged, repo: repo, name: "full", manifest: RepoManifest(name: "full", kind: .full))
        let into = ParameterTensors(config: base.config)
        let m = try RepoEntries.loadFull(repo: try Repository(root: root), name: "full", into: into)
        XCTAssertEqual(m.kind, .full)
        XCTAssertEqual(values(into.storage), values(merged.storage))
    }

    func testExportGGUFLoadsBackWithMergedLogits() throws {
        let (base, lora) = try fixture()
        let ref = try LoRAIOTests.reference()
        let merged = LoRAIO.mergedCopy(base.params, lora: lora)
        try AtomicFile.makeDirectory(root)
        let path = root + "/m.gguf"
        try saveGGUF(merged, to: path, type: .f32, extraMetadata: [("tokenizer.chat_template", .string("{{x}}"))])
        let back = try loadModel(path: path)
        let T = ref.ids.count
        let a = try Transformer(params: back.params).logits(tokens: ref.ids, batch: 1, length: T)
        let b = try Transformer(params: merged).logits(tokens: ref.ids, batch: 1, length: T)
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4)
        XCTAssertLessThan(LoRAIOTests.maxDiff(a, ref.adapter_logits), 1e-4)
        if case .gguf(let g) = back.source { XCTAssertEqual(g.string("tokenizer.chat_template"), "{{x}}") } else { XCTFail("not gguf") }
    }

    func testIdentities() throws {
        let h1 = try ModelIdentity.weightsHash(path: LoRAIOTests.dir + "/base")
        XCTAssertEqual(h1, try ModelIdentity.weightsHash(path: LoRAIOTests.dir + "/base"))
        XCTAssertNotNil(Digest(h1))
        let c = [Conversation([Message(.user, "hi"), Message(.assistant, "hello")])]
        XCTAssertEqual(ModelIdentity.datasetHash(c), "sha256:" + SHA256.hash(DatasetWriter.jsonLine(c[0]) + "\n"))
    }
}
