import BenchCore
import CBenchWideISA

/// The bf16 instructions cpu-swift's bf16 GEMM and the bf16 peak probe can run on: AMX tiles
/// (`tdpbf16ps`, Intel Sapphire Rapids and later) and `vdpbf16ps` on zmm registers
/// (`avx512_bf16`: Intel Cooper Lake and Sapphire Rapids, AMD Zen 4 and 5). Both round nothing:
/// the inputs are bf16 already and the products accumulate in fp32.
public enum BF16Path: String, Sendable, CaseIterable {
    case amx
    case avx512BF16 = "avx512_bf16"

    /// The cpuinfo flags the path needs.
    public var requiredFlags: [String] {
        switch self {
        case .amx: ["amx_tile", "amx_bf16"]
        case .avx512BF16: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"]
        }
    }

    var code: Int32 {
        switch self {
        case .amx: Int32(BENCH_BF16_AMX)
        case .avx512BF16: Int32(BENCH_BF16_AVX512)
        }
    }

    /// The instruction and tile, for the `device` column: e.g. `AMX tdpbf16ps, 32x32 fp32 tile`.
    public var kernelDescription: String {
        switch self {
        case .amx: "AMX tdpbf16ps, 32x32 fp32 tile"
        case .avx512BF16: "avx512_bf16 vdpbf16ps, 12x32 fp32 tile"
        }
    }

    /// The paths this CPU has, widest first: its flags name them and (AMX) Linux granted this
    /// process the tile state. Empty off x86-64, where the CPU has no bf16 instructions, and
    /// under valgrind, which cannot execute them.
    public static func available(cpuFlags: [String]) -> [BF16Path] {
        #if arch(x86_64)
            if Valgrind.isRunning { return [] }
            let flags = Set(cpuFlags)
            return allCases.filter { path in
                path.requiredFlags.allSatisfy(flags.contains) && bench_bf16_path_available(path.code) != 0
            }
        #else
            return []
        #endif
    }

    /// The path cpu-swift runs: `requested` (the `BENCH_BF16_KERNEL` environment variable) when
    /// set, else the widest available. `nil` with the reason when there is none.
    public static func select(cpuFlags: [String], requested: String?) -> Result<BF16Path, BF16PathError> {
        let paths = available(cpuFlags: cpuFlags)
        if let requested, !requested.isEmpty {
            guard let path = BF16Path(rawValue: requested) else { return .failure(.unknown(requested)) }
            return paths.contains(path) ? .success(path) : .failure(.missing(path))
        }
        return paths.first.map { .success($0) } ?? .failure(.none)
    }
}

/// Why cpu-swift has no bf16 path on this host.
public enum BF16PathError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `BENCH_BF16_KERNEL` names no path.
    case unknown(String)
    /// The requested path is missing on this CPU (or AMX was not granted).
    case missing(BF16Path)
    /// The CPU has neither AMX nor avx512_bf16.
    case none

    public var description: String {
        switch self {
        case .unknown(let name):
            "BENCH_BF16_KERNEL='\(name)' names no bf16 kernel (expected \(BF16Path.allCases.map(\.rawValue).joined(separator: " or ")))"
        case .missing(let path):
            "BENCH_BF16_KERNEL=\(path.rawValue) asks for \(path.requiredFlags.joined(separator: ", ")), which this CPU (or, for AMX, the Linux kernel) does not give"
        case .none:
            "this CPU has neither avx512_bf16 nor AMX, so cpu-swift has no bf16 instructions to run (bf16 emulated in fp32 would not measure bf16 hardware)"
        }
    }
}
