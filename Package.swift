// swift-tools-version:6.1
// sft: a Swift shell for fine-tuning language models on CPU.
// Targets: COpenBLAS, COneDNN, CLibEdit (system libraries), SFTKernels (numeric code: tensors, kernels, model math, AdamW; built -Ounchecked), SFT (the core that
// reads bytes from outside: formats, tokenizer, data, training state, generation, repository; built with Swift's
// checks, re-exports SFTKernels), SFTServe (the OpenAI-compatible HTTP server over a live model, on Hummingbird),
// SFTShell (the REPL on top of it), sft (a thin executable), sft-bench (benchmarks printed by `make bench`).
import PackageDescription

// Numeric code needs a target CPU, or SIMD `addingProduct` lowers to scalar libcalls (0.8 GFLOP/s).
// Users build from source, so `native` is right for the machine that runs it.
let fast: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native", "-Ounchecked", "-wmo"]), .swiftLanguageMode(.v5)]
// Code that parses files keeps bounds and overflow checks (a hostile file must get an error, not a wild read).
let checked: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "native", "-O", "-wmo"]), .swiftLanguageMode(.v5)]

let package = Package(
    name: "sft",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sft", targets: ["sft"]),
        .library(name: "SFT", targets: ["SFT"]),
        .library(name: "SFTShell", targets: ["SFTShell"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `serve`: an HTTP server on SwiftNIO. Default traits off: no swift-configuration, less to build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),   // already Hummingbird's; we silence it
        // SHA-256 of repository blobs (BoringSSL with SHA instructions); already in the graph through Hummingbird
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibEdit", path: "Sources/CLibEdit", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // Debian's oneDNN ships no pkg-config file; its header and library are in the default paths.
        .systemLibrary(name: "COneDNN", path: "Sources/COneDNN", providers: [.apt(["libdnnl-dev"])]),
        .target(name: "SFTKernels", dependencies: ["COpenBLAS", "COneDNN"], swiftSettings: fast),
        .target(name: "SFT", dependencies: ["SFTKernels", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: checked),
        .target(name: "SFTServe",
                dependencies: ["SFT", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .target(name: "SFTShell",
                dependencies: ["SFT", "SFTServe", "CLibEdit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(name: "sft", dependencies: ["SFTShell"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(name: "sft-bench", dependencies: ["SFT", "SFTShell", "SFTServe"], path: "benchmarks", swiftSettings: fast),
        .testTarget(name: "SFTTests", dependencies: ["SFT"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "SFTShellTests", dependencies: ["SFTShell", "SFTServe", "SFT"], swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
