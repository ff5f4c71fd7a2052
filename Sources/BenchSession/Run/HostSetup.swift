import BenchBLAS
import BenchCore
import BenchRun
import BenchSwiftKernels

/// What a session learns about its host before the first case: the BLAS library and its
/// warnings, the start-up peak probes, and the environment recorder for the sidecar.
struct HostSetup {
    var blas: BLASInfo
    /// The peak at the run's thread count per dtype (what MFU uses), and each probe's spread.
    var peaks: [DType: Double] = [:]
    var spreads: [DType: Double] = [:]
    /// Set-up warnings for the start of the run.
    var warnings: [String]
    /// The BLAS warning, repeated at the end of a run that used OpenBLAS.
    var blasWarning: String?
    var recorder: EnvironmentRecorder

    /// Probes the host as the configuration says (no probes: no peaks and no bandwidth).
    static func probe(_ c: RunConfiguration) -> HostSetup {
        var blas = OpenBLAS.info(cpuFlags: c.cpu.flags)
        if let pool = c.countingPool {
            // The rows run in the counting processes, on the core type they are pinned to (each
            // row's process checks that OpenBLAS took it).
            blas.coreName = pool.blasCoreType
            blas.coreTypeOverride = pool.blasCoreType
            blas.kernelVectorBits = 256
            blas.warning = ""
        }
        let usesBLAS = c.backends.contains { $0.id == .cpuBLAS }
        var warnings = c.warnings
        if let requested = c.requestedBLASCoreType, requested != "auto",
            blas.coreName.caseInsensitiveCompare(requested) != .orderedSame
        {
            warnings.append("warning: asked OpenBLAS for core type \(requested) but it runs '\(blas.coreName)'")
        }
        // Counts mode pins OpenBLAS to Haswell on purpose (docs/ci.md).
        let blasWarning =
            !blas.warning.isEmpty && usesBLAS && c.countingRecord == nil ? "WARNING: \(blas.warning)" : nil
        if let blasWarning { warnings.append(blasWarning) }
        let noise = NoiseMonitor.start()
        // The host peak only matters for measured backends, which run fp32 and fp64, and bf16
        // where the CPU has bf16 instructions. The peak at the run's thread count is what MFU
        // uses; the 1-thread probe goes into the sidecar beside it (with each probe's spread), so
        // scaling can be read off every run.
        let hostDTypes: Set<DType> =
            BF16Path.available(cpuFlags: c.cpu.flags).isEmpty ? [.fp32, .fp64] : [.fp32, .fp64, .bf16]
        let measuredDTypes =
            c.backends.contains { $0.kind == .measured } ? Set(c.cases.map(\.dtype)).intersection(hostDTypes) : []
        var peaks: [DType: Double] = [:]
        var spreads: [DType: Double] = [:]
        var entries: [PeakEntry] = []
        if let probes = c.probes {
            for d in measuredDTypes.sorted() {
                for t in Set([1, c.threads]).sorted() {
                    let p = probes.peak(d, t)
                    entries.append(PeakEntry(dtype: d, threads: t, flopsPerSecond: p.best, spread: p.spread))
                    if t == c.threads {
                        peaks[d] = p.best
                        spreads[d] = p.spread
                    }
                }
            }
        }
        // A short STREAM triad for the report's roofline, when the host is measured.
        let bandwidth = measuredDTypes.isEmpty ? nil : c.probes?.bandwidth(c.threads)
        let recorder = EnvironmentRecorder(
            cpu: c.cpu, threads: c.threads, blas: blas, kernelVariant: NativeKernels.variant,
            harnessVersion: c.harnessVersion, swiftVersion: BuildInfo.current.swiftVersion,
            gitCommit: BuildInfo.current.gitCommit, commandLine: c.commandLine, startProbes: entries,
            memoryBandwidthBytesPerSecond: bandwidth, noise: noise)
        return HostSetup(
            blas: blas, peaks: peaks, spreads: spreads, warnings: warnings, blasWarning: blasWarning,
            recorder: recorder)
    }
}
