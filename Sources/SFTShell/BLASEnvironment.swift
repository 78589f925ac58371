// OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, and Debian's 0.3.21 misdetects AVX-512
// CPUs as Prescott (5x slower sgemm). The binary is linked against OpenBLAS, so by the time main runs it is
// too late to set the variable: when it is missing we set it and exec ourselves once more.
import Foundation

public enum BLASEnvironment {
    /// The core type for this CPU from /proc/cpuinfo flags, or nil where OpenBLAS's own detection is fine.
    public static func coreTypeForThisCPU() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let set = Set(flags.split(separator: " ").map(String.init))
        if set.contains("avx512f") { return "SkylakeX" }
        if set.contains("avx2") { return "Haswell" }
        return nil
    }

    /// Re-executes the current process with OPENBLAS_CORETYPE set, once. Returns normally when no re-exec is needed.
    public static func ensureCoreType() {
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil { return }
        guard let core = coreTypeForThisCPU() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // execv only returns on failure; carry on with OpenBLAS's own detection.
    }
}
