import Foundation

/// Assembles a run's ``HostEnvironment`` for its sidecar: what `/proc` and the build say about
/// the host, the libraries the session found, the run's peak probes (a raise during the run
/// replacing its start-up figure) and what other processes did meanwhile.
public struct EnvironmentRecorder: Sendable {
    public var cpu: CPUInfo
    public var threads: Int
    public var blas: BLASInfo?
    /// The native kernels' variant (ISA and tile).
    public var kernelVariant: String
    public var harnessVersion: String
    public var swiftVersion: String
    public var gitCommit: String
    public var commandLine: [String]
    /// The start-up probes: every dtype at 1 thread and at the run's threads.
    public var startProbes: [PeakEntry]
    /// STREAM-triad bandwidth in bytes per second, when measured.
    public var memoryBandwidthBytesPerSecond: Double?
    /// Started with the run; read when the environment is recorded.
    public var noise: NoiseMonitor

    public init(
        cpu: CPUInfo, threads: Int, blas: BLASInfo?, kernelVariant: String, harnessVersion: String,
        swiftVersion: String, gitCommit: String, commandLine: [String], startProbes: [PeakEntry],
        memoryBandwidthBytesPerSecond: Double?, noise: NoiseMonitor
    ) {
        self.cpu = cpu
        self.threads = threads
        self.blas = blas
        self.kernelVariant = kernelVariant
        self.harnessVersion = harnessVersion
        self.swiftVersion = swiftVersion
        self.gitCommit = gitCommit
        self.commandLine = commandLine
        self.startProbes = startProbes
        self.memoryBandwidthBytesPerSecond = memoryBandwidthBytesPerSecond
        self.noise = noise
    }

    /// The environment now, with the run's peaks as they stand (`peaksNow`, per dtype at the
    /// run's threads).
    public func environment(peaksNow: [DType: Double]) -> HostEnvironment {
        let mem = HostProbe.memory()
        let (os, kernel) = HostProbe.osAndKernel()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var env = HostEnvironment(
            cpuModel: cpu.model, cpuFlags: cpu.flags, logicalCores: cores, threads: threads,
            memoryBytes: mem.total, os: os, kernel: kernel, swiftVersion: swiftVersion,
            compiledISA: HostProbe.compiledISA, kernelVariant: kernelVariant, blas: blas,
            harnessVersion: harnessVersion, gitCommit: gitCommit, commandLine: commandLine,
            peak: startProbes.map { entry in
                // A raised peak (a re-probe after a row beat it) replaces the start-up figure.
                guard entry.threads == threads, let now = peaksNow[entry.dtype], now > entry.flopsPerSecond else {
                    return entry
                }
                return PeakEntry(dtype: entry.dtype, threads: threads, flopsPerSecond: now, spread: nil)
            },
            noise: noise.stop(cores: cores))
        env.memoryBandwidthBytesPerSecond = memoryBandwidthBytesPerSecond
        return env
    }
}
