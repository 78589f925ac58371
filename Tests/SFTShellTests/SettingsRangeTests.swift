// One table of hyperparameters: every value `set` accepts at the edges of a training setting's range is
// accepted by `train`'s validation and by a Trainer, and the values just outside are refused by `set` with the
// same range in the message (issue 16 bug 4: `set warmup-ratio 1` was accepted and then refused by `train`).
import XCTest
import SFT
import SFTShell

final class SettingsRangeTests: XCTestCase {
    static let config = ModelConfig(architecture: .llama, vocabSize: 32, hiddenSize: 16, intermediateSize: 24, numLayers: 1,
                                    numHeads: 2, numKVHeads: 1, maxPositions: 64, ropeTheta: 10000, rmsNormEps: 1e-5, tiedEmbeddings: true)

    /// Values at and near the edges of a setting's range: (text, accepted).
    func edges(_ spec: SettingSpec) -> [(String, Bool)] {
        switch spec.kind {
        case .int(let lo, let hi):
            var v: [(String, Bool)] = []
            if let lo { v += [(String(lo), true), (String(lo - 1), false), (String(lo + 1), hi.map { lo + 1 <= $0 } ?? true)] }
            if let hi { v += [(String(hi), true), (String(hi + 1), false)] }
            return v
        case .double(let lo, let hi):
            var v: [(String, Bool)] = []
            if let lo {
                v.append(("\(lo.value)", lo.inclusive))
                v.append(("\(lo.value + 1e-6)", true))
                v.append(("\(lo.value - 1e-6)", false))
            }
            if let hi {
                v.append(("\(hi.value)", hi.inclusive))
                v.append(("\(hi.value - 1e-6)", true))
                v.append(("\(hi.value + 1e-6)", false))
            } else if let lo { v.append(("\(lo.value + 1000)", true)) }
            return v
        case .choice(let c): return c.map { ($0, true) } + [("nope", false)]
        case .subset(let all): return [(all.joined(separator: ","), true), (all[0], true), ("x", false)]
        case .string: return [("text", true)]
        }
    }

    func testEverySettingRangeAcceptedBySetIsAcceptedByTrain() throws {
        let chats = (0..<4).map { i in RenderedChat(tokens: (0..<10).map { Int32(($0 + i) % 32) }, trained: (0..<10).map { $0 >= 5 }) }
        var checked = 0
        for field in HyperparameterTable.fields {
            for (text, ok) in edges(field.spec) {
                var settings = Settings()
                let accepted = (try? settings.set(field.name, text)) != nil
                XCTAssertEqual(accepted, ok, "set \(field.name) \(text)")
                guard accepted else { continue }
                var h = HyperparameterTable.hyperparameters { settings.value($0) }
                h.maxSeqLen = field.name == "max-seq-len" ? h.maxSeqLen : 32   // keep the tiny model's work small
                h.batchSize = field.name == "batch-size" ? h.batchSize : 2
                XCTAssertNoThrow(try h.validate(), "train refuses \(field.name) \(text) that set accepted")
                XCTAssertNoThrow(try Trainer(transformer: Transformer(params: ParameterTensors(config: Self.config)), mode: .full, hyper: h, train: chats),
                                 "a run refuses \(field.name) \(text)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
        var s = Settings()
        XCTAssertThrowsError(try s.set("warmup-ratio", "1")) { XCTAssertTrue("\($0)".contains("[0, 1)"), "\($0)") }
    }

    func testTrainingSettingsAreTheCoreTable() {
        let names = Settings().specs.filter { $0.group == "training" }.map(\.name)
        XCTAssertEqual(names, HyperparameterTable.fields.map(\.name))
        XCTAssertTrue(names.contains("early-stop") && names.contains("early-stop-delta"))
    }
}

/// `set precision bf16` where bf16 cannot run (oneDNN off, or an AVX2-only CPU: oneDNN 2.6 has no bf16 kernels
/// there) says that products stay fp32 and why; where it can run it says nothing more.
final class PrecisionSettingShellTests: XCTestCase {
    func testBF16WithoutKernelsSaysProductsStayFP32() throws {
        let off = try SFTBinary.run(["--no-model", "-c", "set precision bf16", "-c", "status --all"], environment: ["SFT_GEMM": "openblas"])
        let text = off.stdout + off.stderr
        XCTAssertTrue(text.contains("precision = bf16"), text)
        XCTAssertTrue(text.contains("matrix products stay fp32 here: SFT_GEMM=openblas turns oneDNN off"), text)
        XCTAssertTrue(text.contains("matrix products: OpenBLAS (fp32)"), text)

        let here = try SFTBinary.run(["--no-model", "-c", "set precision bf16", "-c", "status --all"])
        let said = here.stdout + here.stderr
        if MatMul.bf16Available {
            XCTAssertFalse(said.contains("stay fp32"), said)
            XCTAssertTrue(said.contains("(bf16 operands, fp32 accumulation)"), said)
        } else {
            XCTAssertTrue(said.contains("matrix products stay fp32 here: oneDNN") && said.contains("has no bf16 kernels for this CPU"), said)
            XCTAssertTrue(said.contains("bf16 was asked for, but this oneDNN has no bf16 kernels"), said)
        }
    }
}
