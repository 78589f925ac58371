// Issue 16, what a newcomer saw on screen: Tab into folders (bug 11) and Tab over names, the default model from
// any folder (bug 19), `metrics --svg` and atomic writes into a missing folder (bug 20), tables that fit 80
// columns, setting aliases and `set NAME default`, `repo show` for people, the load-problem table by line,
// and counts that say "1 sample". Through tmux where a terminal matters, else through pipes.
import Foundation
import SFTShell
import XCTest

final class NewcomerRenderTests: XCTestCase {
    func sft(_ lines: [String], model: Bool = true, home: URL? = nil, environment: [String: String?] = [:]) throws -> SFTBinary.Result {
        let script = (["#!keep-going"] + lines).joined(separator: "\n") + "\n"
        return try SFTBinary.run(model ? ["-"] : ["--no-model", "-"], stdin: script, home: home, timeout: 180,
                                 cwd: SFTBinary.packageRoot, environment: environment)
    }

    // MARK: bug 11: Tab on a folder

    func testTabOnAFolderAddsSlashAndCompletionContinuesInsideIt() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let dir = home.appendingPathComponent("folder-one")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "get seed\n".write(to: dir.appendingPathComponent("inner.sft"), atomically: true, encoding: .utf8)
        let term = try TmuxTerminal(home: home)
        defer { term.close() }
        term.awaitPrompt()
        term.type("run \(home.path)/folder-o"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in term.lastLine() == "sft> run \(home.path)/folder-one/" }, term.screen())
        // No space after the `/`: the next Tab completes inside the folder.
        term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in term.lastLine() == "sft> run \(home.path)/folder-one/inner.sft" }, term.screen())
        term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("seed = 42") }, term.screen())
    }

    func testTabListsFileNamesNotWholePaths() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        for f in ["alpha.sft", "alpine.sft"] { try "get seed\n".write(to: home.appendingPathComponent(f), atomically: true, encoding: .utf8) }
        let term = try TmuxTerminal(home: home)
        defer { term.close() }
        term.awaitPrompt()
        term.type("run \(home.path)/al"); term.keys("Tab")
        XCTAssertTrue(term.waitFor { _ in term.lastLine() == "sft> run \(home.path)/alp" }, term.screen())
        term.keys("Tab")
        XCTAssertTrue(term.waitFor { $0.contains("alpha.sft") && $0.contains("alpine.sft") }, term.screen())
        XCTAssertFalse(term.screen().contains("\(home.path)/alpha.sft"), "the list repeats the path:\n" + term.screen())
    }

    func testCompletionOffersDatasetsRepoEntriesNotebooksPresetsModesAndCheckpoints() {
        let s = Settings()
        var n = CompletionNames()
        n.datasets = ["general", "general.train", "identity"]
        n.repoEntries = ["smol-general", "smol-v2"]
        n.notebooks = ["mysess"]
        n.checkpoints = 2
        func c(_ line: String) -> [String]? { Completer.candidates(forLine: line, settings: s, names: n) }
        XCTAssertEqual(c("data show gen"), ["general", "general.train"])
        XCTAssertEqual(c("data stats i"), ["identity"])
        XCTAssertEqual(c("repo show smol-"), ["smol-general", "smol-v2"])
        XCTAssertEqual(c("lora load repo:smol-g"), ["repo:smol-general"])
        XCTAssertNil(c("lora load ./adap"), "a folder path: file completion")
        XCTAssertEqual(c("session load my"), ["mysess"])
        XCTAssertEqual(c("preset nl2"), ["nl2sql", "nl2json", "nl2code"])
        XCTAssertEqual(c("quantize "), ["int8", "off"])
        XCTAssertEqual(c("checkpoint use "), ["1", "2", "best"])
        XCTAssertEqual(c("set lr"), [], "aliases are not offered as names")
    }

    func testCompletionOfAFolderAddsNoSpaceAndListsNames() {
        XCTAssertEqual(Completer.completion(of: "ses", among: ["sessions/"]),
                       Completer.Completion(insert: "sessions/", appendSpace: false, listed: []))
        XCTAssertEqual(Completer.completion(of: "sessions/0", among: ["sessions/01-tour.sft", "sessions/02-x.sft"]),
                       Completer.Completion(insert: "sessions/0", appendSpace: false, listed: ["01-tour.sft", "02-x.sft"]))
        XCTAssertEqual(Completer.completion(of: "stat", among: ["status"]),
                       Completer.Completion(insert: "status", appendSpace: true, listed: []))
        XCTAssertNil(Completer.completion(of: "zz", among: ["status"]))
        let paths = Completer.paths(SFTBinary.packageRoot.path + "/Sourc")
        XCTAssertEqual(paths, [SFTBinary.packageRoot.path + "/Sources/"])
    }

    // MARK: bug 19: the default model from any folder

    func testDefaultModelIsFoundThroughSFTHomeFromAnotherFolder() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let model = ProcessInfo.processInfo.environment["SFT_MODEL"]
            ?? SFTBinary.packageRoot.appendingPathComponent("cache/models/\(DefaultModel.fileName)").path
        try FileManager.default.createDirectory(at: home.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: home.appendingPathComponent("models/\(DefaultModel.fileName)").path,
                                                   withDestinationPath: model)
        let elsewhere = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let r = try SFTBinary.run(["-c", "model info"], home: home, timeout: 60, cwd: elsewhere,
                                  environment: ["SFT_MODEL": nil, "SFT_CACHE": nil])
        XCTAssertTrue(r.stderr.contains("model SmolLM2-135M-Instruct"), r.stderr)
        XCTAssertTrue(r.stdout.contains(home.path + "/models/\(DefaultModel.fileName)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("error:"), r.stdout)
    }

    func testDefaultModelSearchOrderAndHintNameTheVariables() {
        let places = DefaultModel.searched(environment: ["SFT_CACHE": "/c", "SFT_HOME": "/h"])
        XCTAssertEqual(Array(places.prefix(2)), ["/c/models/\(DefaultModel.fileName)", "/h/models/\(DefaultModel.fileName)"])
        XCTAssertTrue(places.contains(SFTBinary.packageRoot.path + "/cache/models/\(DefaultModel.fileName)"),
                      "the checkout the binary was built in: \(places)")
        XCTAssertTrue(DefaultModel.notFoundHint.contains("SFT_MODEL"))
        XCTAssertTrue(DefaultModel.notFoundHint.contains("SFT_CACHE"))
    }

    // MARK: bug 20: metrics --svg, writes into a missing folder

    func testMetricsSvgOneStepMarkerLegendExtensionAndMissingFolder() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let r = try sft(["data load sessions/data/identity.jsonl", "set batch-size 2", "set max-seq-len 64", "train 1",
                         "metrics --svg \(home.path)/one.svg", "metrics --svg \(home.path)/one.png", "metrics --svg \(home.path)/plot",
                         "metrics --svg \(home.path)/nodir/x.svg", "export gguf \(home.path)/nodir/m.gguf"], home: home)
        let out = r.stdout
        let svg = try String(contentsOfFile: home.path + "/one.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("<circle"), "one step is drawn as a point:\n" + svg)
        XCTAssertTrue(svg.contains(">train loss</text>"), svg)
        XCTAssertFalse(svg.contains("valid loss"), "no validation data, no legend entry")
        XCTAssertTrue(out.contains("error: metrics --svg writes an SVG plot, not .png"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path + "/one.png"))
        XCTAssertTrue(out.contains("wrote \(home.path)/plot.svg (an SVG plot, so the name ends in .svg)"), out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: home.path + "/plot.svg"))
        XCTAssertEqual(out.components(separatedBy: "error: folder \(home.path)/nodir does not exist").count - 1, 2,
                       "metrics and export gguf both name the folder:\n" + out)
        XCTAssertFalse(out.contains(".tmp"), "a temporary file name leaked:\n" + out)
    }

    // MARK: rough edges: tables, settings, repo show, counts

    func testGetFitsEightyColumnsInATerminal() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let term = try TmuxTerminal(home: home, columns: 80, rows: 70)
        defer { term.close() }
        term.awaitPrompt()
        term.type("get"); term.keys("Enter")
        XCTAssertTrue(term.waitFor { $0.contains("max-tokens") }, term.screen())
        term.awaitPrompt()
        let screen = term.screen()
        let block = screen.components(separatedBy: "sft> get\n").last!.components(separatedBy: "sft>")[0]
        let names = Set(Settings().names + ["training", "compute", "generation"])
        for line in block.split(separator: "\n") {
            let first = String(line.split(separator: " ").first ?? "")
            XCTAssertTrue(names.contains(first) || first.allSatisfy { $0 == "-" }, "a row wrapped onto '\(line)':\n" + screen)
        }
        XCTAssertTrue(block.contains("…"), "long cells are cut:\n" + screen)
    }

    func testTablesFitColumnsWhenGiven() throws {
        let r = try sft(["get"], model: false, environment: ["COLUMNS": "80"])
        for line in r.stdout.split(separator: "\n") {
            XCTAssertLessThanOrEqual(DisplayWidth.of(String(line)), 80, String(line))
        }
        XCTAssertTrue(r.stdout.contains("learning-rate"), r.stdout)
        var t = Table([Table.Column("name"), Table.Column("n", right: true), Table.Column("what")])
        t.add(["a", "123456", String(repeating: "x", count: 40)])
        XCTAssertEqual(t.render(width: 24), ["name       n  what", "----  ------  ----------", "a     123456  xxxxxxxxx…"])
    }

    func testSettingAliasesAndSetDefaultWord() throws {
        let out = try sft(["set lr 1e-3", "get lr", "set bs 4", "get batch-size", "set wd 0.1", "set learning-rate default",
                           "set batch-size many", "set batch-size"], model: false).stdout
        XCTAssertTrue(out.contains("sft> set lr 1e-3\nlearning-rate = 0.001\n"), out)
        XCTAssertTrue(out.contains("sft> get lr\nlearning-rate = 0.001\n"), out)
        XCTAssertTrue(out.contains("batch-size = 4"), out)
        XCTAssertTrue(out.contains("weight-decay = 0.1"), out)
        XCTAssertTrue(out.contains("sft> set learning-rate default\nlearning-rate = 0.0001\n"), out)
        XCTAssertTrue(out.contains("error: batch-size must be an integer, got 'many'"), out)
        XCTAssertTrue(out.contains("hint: e.g. `set batch-size 8`; `set batch-size --default` restores the default"), out)
    }

    func testRepoShowSaysWhatAPersonNeedsAndAllTheRest() throws {
        let home = SFTBinary.tempHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let out = try sft(["data load sessions/data/general.jsonl", "lora add", "save s1 --description \"first adapter\"",
                           "repo show s1", "repo show s1 --all"], home: home).stdout
        let short = out.components(separatedBy: "sft> repo show s1\n")[1].components(separatedBy: "sft>")[0]
        XCTAssertTrue(short.contains("description  first adapter"), short)
        XCTAssertTrue(short.contains("base model   SmolLM2-135M-Instruct"), short)
        XCTAssertTrue(short.contains("adapter  "), short)
        XCTAssertTrue(short.contains(" KiB") || short.contains(" MiB"), short)
        XCTAssertFalse(short.contains("sha256:"), short)
        XCTAssertFalse(short.contains("setting "), short)
        XCTAssertLessThan(short.split(separator: "\n").count, 16, short)
        let all = out.components(separatedBy: "sft> repo show s1 --all\n")[1]
        XCTAssertTrue(all.contains("setting learning-rate"), all)
        XCTAssertTrue(all.contains("sha256:"), all)
    }

    func testLoadProblemTableUsesLineNumbersAndCountsSayOneSample() throws {
        let out = try sft(["data check Tests/Fixtures/data/bad/bad-json.jsonl", "data load sessions/data/general.jsonl",
                           "data sample general 1", "data show general 99"], model: false).stdout
        XCTAssertTrue(out.contains("problem   count  first lines\n"), out)
        XCTAssertTrue(out.contains("bad JSON      1  2:31\n"), out)
        XCTAssertEqual(out.components(separatedBy: "Tests/Fixtures/data/bad/bad-json.jsonl:2:31").count - 1, 1,
                       "the path is said once, on the `first:` line:\n" + out)
        XCTAssertTrue(out.contains(": 1 sample drawn from general"), out)
        XCTAssertTrue(out.contains("general has samples 1 to 20, not 99"), out)
    }
}
