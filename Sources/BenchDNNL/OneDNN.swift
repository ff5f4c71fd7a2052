import BenchCore
import CBenchDNNL

/// Debian's oneDNN (libdnnl2), loaded on first use. bench builds and runs without it: the
/// `cpu-onednn` rows then say how to install it.
public enum OneDNN {
    /// `nil` once the library is loaded; else why it cannot be (one line, with the fix).
    public static let loadFailure: String? = {
        var why = [CChar](repeating: 0, count: 512)
        return bench_dnnl_load(&why, why.count) == 0 ? nil : text(why)
    }()

    /// A NUL-terminated C message as a string.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The loaded library's version, e.g. `2.6.3`; empty when it is missing.
    public static var version: String { loadFailure == nil ? String(cString: bench_dnnl_version()) : "" }

    /// The bf16 instructions oneDNN needs for native bf16 (not emulated) on this CPU.
    public static func hasNativeBF16(cpuFlags: [String]) -> Bool {
        cpuFlags.contains("avx512_bf16") || cpuFlags.contains("amx_bf16")
    }

    /// OpenMP threads for the next oneDNN call (process-wide).
    static func setThreads(_ threads: Int) { bench_dnnl_set_threads(Int32(threads)) }
}
