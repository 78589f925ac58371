// OpenBLAS reads its environment once, when the library loads: Debian's 0.3.21 misdetects AVX-512 CPUs as
// Prescott (5x slower sgemm) unless OPENBLAS_CORETYPE says otherwise, and after each product its worker
// threads spin (sched_yield) for 2^28 cycles, about 0.1 s, fighting our own kernels for the two cores
// (attention and SwiGLU ran 1.5x slower). OPENBLAS_THREAD_TIMEOUT=16 lets them sleep after ~25 us, which
// still keeps them awake between back-to-back products. oneDNN's OpenMP threads get GOMP_SPINCOUNT likewise. The binary is linked against OpenBLAS, so by the
// time main runs it is too late to set either variable: when one is missing we set it and exec ourselves once more.
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

    /// log2 of the cycles OpenBLAS threads spin before sleeping (OpenBLAS allows 4...30, default 28).
    public static let threadTimeout = "16"
    /// Spins libgomp (oneDNN's threads) makes before sleeping; its default is 300000.
    public static let gompSpinCount = "10000"

    /// Re-executes the current process with OPENBLAS_CORETYPE and OPENBLAS_THREAD_TIMEOUT set, once (a value
    /// the user set is kept). Returns normally when no re-exec is needed.
    public static func ensureSettings() {
        let env = ProcessInfo.processInfo.environment
        var changed = false
        if env["OPENBLAS_CORETYPE"] == nil, let core = coreTypeForThisCPU() { setenv("OPENBLAS_CORETYPE", core, 1); changed = true }
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil { setenv("OPENBLAS_THREAD_TIMEOUT", threadTimeout, 1); changed = true }
        // oneDNN's OpenMP threads: the same reasoning, spin ~10k rounds after a product, then sleep.
        if env["GOMP_SPINCOUNT"] == nil && env["OMP_WAIT_POLICY"] == nil { setenv("GOMP_SPINCOUNT", gompSpinCount, 1); changed = true }
        guard changed else { return }
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // execv only returns on failure; carry on with OpenBLAS's own detection.
    }
}
