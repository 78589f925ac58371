// swift-tools-version:6.0
// libFuzzer targets for every parser of `sft` that reads bytes from outside, kept out of the main package so
// `make test` never builds them. Build and run with `make fuzz` (FUZZ_S seconds per target), which calls
//   swift build -c release -Xswiftc -sanitize=fuzzer,address --package-path fuzz
// Each target writes its input to a temporary file and calls the real loader, so file checks are fuzzed too;
// any error the loader throws is a pass, any crash, leak or timeout a failure.
import Foundation
import PackageDescription

// A path dependency is named by its folder (the checkout's name, `sft` or a worktree's).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let core: Target.Dependency = .product(name: "SFT", package: root.lastPathComponent)
let names = ["gguf", "safetensors", "config", "tokenizer", "dataset", "csv", "xlsx", "manifest", "state"]

let package = Package(
    name: "sft-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [.target(name: "FuzzSupport", dependencies: [core], swiftSettings: [.swiftLanguageMode(.v5)])]
        + names.map { name in
            .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", core],
                              swiftSettings: [.swiftLanguageMode(.v5)])
        }
)
