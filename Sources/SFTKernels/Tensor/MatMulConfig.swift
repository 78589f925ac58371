// Which engine and precision the matrix products run in, chosen once per process from what the CPU has:
// `MatMul.precision` is fp32 (OpenBLAS-equal results) or bf16 (operands rounded to bfloat16, products
// accumulated in fp32, the result fp32) and is set from the user's `precision auto|bf16|fp32` setting
// (bf16 runs as fp32 where oneDNN has no bf16 kernels for the CPU: AVX2-only machines);
// `auto` means bf16 where the CPU multiplies bf16 natively (AVX512_BF16 or AMX) and that is measured faster
// than fp32 here (PrecisionProbe.swift), fp32 elsewhere.
// The library default is fp32, so tests and references see exact fp32 products unless they ask.
import COneDNN
import Foundation

public enum ComputePrecision: String, Sendable { case fp32, bf16 }

/// What the CPU can do, read once from /proc/cpuinfo (the machines this runs on differ: some AVX-512 CPUs have
/// no BF16).
public enum CPUFeatures {
    public static let flags: Set<String> = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }()
    /// True where bf16 products run in hardware (AVX512_BF16 or AMX-BF16).
    public static var hasBF16: Bool { flags.contains("avx512_bf16") || flags.contains("amx_bf16") }
}

public enum MatMul {
    /// The setting: a fixed precision, or nil for `auto`, resolved by PrecisionProbe at the first read, so the
    /// probe runs when products need it (training, prompts, `status --all`), not at start-up.
    nonisolated(unsafe) private static var fixed: ComputePrecision? = .fp32
    /// Precision of the large products (see GEMM.swift for which products are large): what was set, except
    /// that bf16 runs as fp32 where oneDNN has no bf16 kernels (`bf16Available`).
    public static var precision: ComputePrecision {
        get {
            let p = fixed ?? (PrecisionProbe.measured?.bf16IsFaster == true ? .bf16 : .fp32)
            return p == .bf16 && !bf16Available ? .fp32 : p
        }
        set { fixed = newValue }
    }

    /// True where large products can run with bf16 operands here (oneDNN on, started, with bf16 kernels for
    /// this CPU: in hardware or emulated on AVX-512; not on AVX2-only CPUs).
    public static var bf16Available: Bool { oneDNNEnabled && OneDNN.ready && OneDNN.bf16Kernels }

    /// Why `precision bf16` runs as fp32 here, for the shell to say once when the user asks for bf16; nil where
    /// bf16 runs.
    public static var bf16Unavailable: String? {
        if bf16Available { return nil }
        if !oneDNNEnabled { return "SFT_GEMM=openblas turns oneDNN off, and OpenBLAS multiplies in fp32 only" }
        if !OneDNN.ready { return "oneDNN did not start, and OpenBLAS multiplies in fp32 only" }
        return "oneDNN \(versionText) has no bf16 kernels for this CPU (\(OneDNN.isaName); it needs AVX-512)"
    }

    private static var versionText: String { let v = dnnl_version().pointee; return "\(v.major).\(v.minor)" }
    /// Large products go to oneDNN unless SFT_GEMM=openblas (for comparisons) or oneDNN failed to start.
    nonisolated(unsafe) public static var oneDNNEnabled: Bool =
        ProcessInfo.processInfo.environment["SFT_GEMM"]?.lowercased() != "openblas"

    /// A product is large (oneDNN, in `precision`) when every side is >= largeProductSide and M*N*K >=
    /// largeProductVolume; tests lower both to push a tiny model's products through the bf16 path.
    nonisolated(unsafe) public static var largeProductSide = 32
    nonisolated(unsafe) public static var largeProductVolume = 1 << 21

    /// True once oneDNN's CPU engine started.
    public static var oneDNNReady: Bool { OneDNN.ready }
    /// oneDNN primitives built so far (one per product shape).
    public static var cachedPrimitives: Int { OneDNN.cachedCount }

    /// Resolves a `precision` setting (auto, bf16, fp32) and makes it current. Unknown text means fp32.
    public static func select(_ setting: String) {
        // the request is kept as asked (bf16 included), so `describe` can say when bf16 runs as fp32 here
        fixed = setting == "auto" ? nil : (setting == "bf16" ? .bf16 : .fp32)
    }

    public static func resolve(_ setting: String) -> ComputePrecision {
        switch setting {
        case "bf16": return bf16Available ? .bf16 : .fp32
        case "auto": return PrecisionProbe.measured?.bf16IsFaster == true ? .bf16 : .fp32
        default: return .fp32
        }
    }

    /// One line for `status`: `oneDNN 2.6 avx512_core_bf16 (large products, bf16 operands, fp32 accumulation);
    /// OpenBLAS for small ones`.
    public static func describe() -> String {
        let prec = precision == .bf16 ? "bf16 operands, fp32 accumulation" : "fp32"
        guard oneDNNEnabled, OneDNN.ready else { return "matrix products: OpenBLAS (fp32)" }
        var line = "matrix products: oneDNN \(versionText) \(OneDNN.isaName) for large ones (\(prec)), OpenBLAS for small ones"
        if fixed == .bf16, !bf16Available { line += "; bf16 was asked for, but this oneDNN has no bf16 kernels for \(OneDNN.isaName)" }
        if let p = PrecisionProbe.measured {
            line += String(format: "; measured here: bf16 %.0f, fp32 %.0f GFLOP/s", p.bf16GFLOPs, p.fp32GFLOPs)
        }
        return line
    }
}
