import BenchCore
import CBLAS
import Foundation

/// Facts about the loaded OpenBLAS and its kernel choice.
public enum OpenBLAS {
    /// The core type whose kernels OpenBLAS picked (`openblas_get_corename()`).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
    /// OpenBLAS's build configuration (`openblas_get_config()`).
    public static var config: String {
        openblas_get_config().map { String(cString: $0) }?.trimmingCharacters(in: .whitespaces) ?? "unknown"
    }

    /// Whether the loaded OpenBLAS exports a bf16 GEMM (`cblas_sbgemm`, built with
    /// `BUILD_BFLOAT16=1`; Debian's 0.3.21 is not).
    public static var hasBF16GEMM: Bool { dlsym(UnsafeMutableRawPointer(bitPattern: 0), "cblas_sbgemm") != nil }

    /// Sets OpenBLAS's worker count (process-wide).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// The x86-64 core types a DYNAMIC_ARCH OpenBLAS 0.3.21 accepts in `OPENBLAS_CORETYPE`.
    public static let knownCoreTypes = [
        "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington",
        "Nehalem", "Athlon", "Opteron", "Barcelona", "Bobcat", "Bulldozer", "Piledriver", "Steamroller",
        "Excavator", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake",
    ]

    /// Vector width in bits of a core type's SGEMM kernels (0 when unknown).
    public static func vectorBits(coreName: String) -> Int {
        switch coreName.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": 512
        case "haswell", "zen", "sandybridge", "excavator", "steamroller", "piledriver", "bulldozer": 256
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
            "nehalem", "athlon", "opteron", "barcelona", "bobcat":
            128
        default: 0
        }
    }

    /// The core type `--blas-coretype auto` picks for a CPU with these flags.
    public static func autoCoreType(cpuFlags: [String]) -> String? {
        let f = Set(cpuFlags)
        if f.contains("avx512f") && f.contains("avx512bw") && f.contains("avx512vl") { return "SkylakeX" }
        if f.contains("avx2") && f.contains("fma") { return "Haswell" }
        return nil
    }

    /// The BLAS facts for the sidecar, with a warning when OpenBLAS runs kernels
    /// narrower than the CPU's SIMD (e.g. the generic `Prescott` on an AVX-512 CPU).
    public static func info(cpuFlags: [String]) -> BLASInfo {
        let core = coreName
        let bits = vectorBits(coreName: core)
        let cpuBits = HostProbe.vectorBits(isa: HostProbe.cpuISA(flags: cpuFlags))
        let env = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
        var warning = ""
        if bits > 0, bits < cpuBits {
            let fix = autoCoreType(cpuFlags: cpuFlags) ?? "SkylakeX"
            let severity = bits <= 128 ? "GENERIC" : "narrower"
            warning =
                "OpenBLAS runs \(severity) \(bits)-bit '\(core)' kernels on a CPU with \(cpuBits)-bit SIMD; cpu-blas results understate this CPU. Fix: pass --blas-coretype \(fix) (or auto), or set OPENBLAS_CORETYPE=\(fix) before starting bench."
        }
        return BLASInfo(
            library: "OpenBLAS", config: config, coreName: core, coreTypeOverride: env,
            kernelVectorBits: bits, warning: warning)
    }
}
