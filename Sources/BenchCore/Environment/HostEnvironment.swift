/// What the sidecar records about the machine, the build and the run.
public struct HostEnvironment: Codable, Sendable, Equatable {
    public var cpuModel: String
    public var cpuFlags: [String]
    public var logicalCores: Int
    /// Worker threads the run used.
    public var threads: Int
    public var memoryBytes: Int
    public var os: String
    public var kernel: String
    public var swiftVersion: String
    /// Vector ISA the kernels were compiled for (`avx512`, `avx2`, …).
    public var compiledISA: String
    /// The native GEMM micro-kernel compiled in, e.g. `avx512 12x32 fp32 / 12x16 fp64`.
    public var kernelVariant: String
    public var blas: BLASInfo?
    public var harnessVersion: String
    public var gitCommit: String
    public var commandLine: [String]
    /// Measured peak FLOP/s per dtype at the run's thread count.
    public var peak: [PeakEntry]
    public var noise: HostNoise?
    /// Memory bandwidth from a short STREAM triad at the start of a run with measured
    /// backends (bytes per second, on the run's threads), for the report's roofline.
    public var memoryBandwidthBytesPerSecond: Double?

    public init(
        cpuModel: String, cpuFlags: [String], logicalCores: Int, threads: Int, memoryBytes: Int,
        os: String, kernel: String, swiftVersion: String, compiledISA: String, kernelVariant: String,
        blas: BLASInfo?, harnessVersion: String, gitCommit: String, commandLine: [String],
        peak: [PeakEntry], noise: HostNoise?
    ) {
        self.cpuModel = cpuModel
        self.cpuFlags = cpuFlags
        self.logicalCores = logicalCores
        self.threads = threads
        self.memoryBytes = memoryBytes
        self.os = os
        self.kernel = kernel
        self.swiftVersion = swiftVersion
        self.compiledISA = compiledISA
        self.kernelVariant = kernelVariant
        self.blas = blas
        self.harnessVersion = harnessVersion
        self.gitCommit = gitCommit
        self.commandLine = commandLine
        self.peak = peak
        self.noise = noise
    }

    enum CodingKeys: String, CodingKey {
        case cpuModel = "cpu_model", cpuFlags = "cpu_flags", logicalCores = "logical_cores", threads
        case memoryBytes = "memory_bytes", os, kernel, swiftVersion = "swift_version", compiledISA = "compiled_isa"
        case kernelVariant = "kernel_variant", blas, harnessVersion = "harness_version", gitCommit = "git_commit"
        case commandLine = "command_line", peak, noise
        case memoryBandwidthBytesPerSecond = "memory_bandwidth_bytes_per_s"
    }
}

/// The BLAS library a run used and the kernel it picked.
public struct BLASInfo: Codable, Sendable, Equatable {
    public var library: String
    /// The library's build configuration string (`openblas_get_config()`).
    public var config: String
    /// The core type whose kernels it runs (`openblas_get_corename()`).
    public var coreName: String
    /// `OPENBLAS_CORETYPE` as the process saw it, or empty.
    public var coreTypeOverride: String
    /// Vector width in bits of that core's kernels (128, 256, 512), or 0 when unknown.
    public var kernelVectorBits: Int
    /// A warning when the kernels are narrower than the CPU's SIMD, or empty.
    public var warning: String

    public init(
        library: String, config: String, coreName: String, coreTypeOverride: String, kernelVectorBits: Int,
        warning: String
    ) {
        self.library = library
        self.config = config
        self.coreName = coreName
        self.coreTypeOverride = coreTypeOverride
        self.kernelVectorBits = kernelVectorBits
        self.warning = warning
    }

    enum CodingKeys: String, CodingKey {
        case library, config, coreName = "core_name", coreTypeOverride = "coretype_override"
        case kernelVectorBits = "kernel_vector_bits", warning
    }
}

/// A measured peak rate.
public struct PeakEntry: Codable, Sendable, Equatable {
    public var dtype: DType
    public var threads: Int
    /// FLOP/s of a register-only FMA loop on `threads` cores at once (the best of the probe's runs).
    public var flopsPerSecond: Double
    /// `(max − min) / max` over the probe's runs; `nil` for a peak raised by a re-probe during the
    /// run, and in files written before it was recorded.
    public var spread: Double?

    public init(dtype: DType, threads: Int, flopsPerSecond: Double, spread: Double? = nil) {
        self.dtype = dtype
        self.threads = threads
        self.flopsPerSecond = flopsPerSecond
        self.spread = spread
    }

    enum CodingKeys: String, CodingKey {
        case dtype, threads, flopsPerSecond = "flops_per_second", spread
    }
}

/// How busy the machine was with other work during the run.
public struct HostNoise: Codable, Sendable, Equatable {
    /// `/proc/loadavg` 1-minute load at start and end.
    public var loadAverageStart: Double
    public var loadAverageEnd: Double
    /// CPU seconds used by other processes during the run ÷ (wall seconds × cores).
    public var otherProcessesCPUFraction: Double
    public var wallSeconds: Double
    /// A warning when other processes used more than 10% of the cores, or empty.
    public var warning: String

    public init(
        loadAverageStart: Double, loadAverageEnd: Double, otherProcessesCPUFraction: Double, wallSeconds: Double,
        warning: String
    ) {
        self.loadAverageStart = loadAverageStart
        self.loadAverageEnd = loadAverageEnd
        self.otherProcessesCPUFraction = otherProcessesCPUFraction
        self.wallSeconds = wallSeconds
        self.warning = warning
    }

    enum CodingKeys: String, CodingKey {
        case loadAverageStart = "load_average_start", loadAverageEnd = "load_average_end"
        case otherProcessesCPUFraction = "other_processes_cpu_fraction", wallSeconds = "wall_seconds", warning
    }
}

extension HostEnvironment {
    /// A placeholder for files whose environment is not known (a merge of CSVs without sidecars).
    public static let unknown = HostEnvironment(
        cpuModel: "unknown", cpuFlags: [], logicalCores: 0, threads: 0, memoryBytes: 0, os: "unknown",
        kernel: "unknown",
        swiftVersion: "unknown", compiledISA: "unknown", kernelVariant: "unknown", blas: nil, harnessVersion: "unknown",
        gitCommit: "unknown", commandLine: [], peak: [], noise: nil)
}
