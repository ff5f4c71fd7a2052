import ArgumentParser
import BenchBLAS
import BenchCore
import BenchModels
import BenchSession
import BenchSwiftKernels
import Foundation

/// `bench calibrate`: measures this host's roofline and writes it as a catalog device, so
/// the performance model can be checked against measured rows (`bench run --with-model`).
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this host's roofline (peak and achieved GEMM per dtype, memory bandwidth) into a host profile.")

    @OptionGroup var threads: ThreadsOption

    @Flag(help: "A fast, rougher calibration (smaller GEMM and arrays, shorter budgets), for smoke tests.")
    var quick = false

    @Option(help: "Where to write the host profile (a catalog file with one device, 'host').")
    var out: String = "results/host-profile.json"

    func run() throws {
        let cpu = HostProbe.cpuInfo()
        try BuildInfo.checkISA(cpuFlags: cpu.flags)
        let destination = try OutputPath.resolve(out, stem: "host-profile", extension: "json")
        let t = threads.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let today = Timestamp.iso(Date())
        func fact(_ v: Double, _ unit: String, _ how: String) -> Fact {
            Fact(value: v, unit: unit, source: "measured by bench calibrate (\(how)) on \(cpu.model), \(t) threads", date: today, note: nil, format: nil)
        }
        // The peak probe runs before and after each GEMM measurement and its best counts: a
        // disturbed probe (another process on a core) can only read low, and a peak below an
        // achieved GEMM rate would make an efficiency above 1.
        var peakRates: [DType: Double] = [:]
        func probePeaks() {
            for dtype in [DType.fp32, .fp64] {
                let peak = HostPeak.measure(dtype: dtype, threads: t, seconds: quick ? 0.1 : 0.5)
                peakRates[dtype] = max(peakRates[dtype] ?? 0, peak)
            }
        }
        probePeaks()
        let bandwidth = StreamBandwidth.measure(threads: t, elements: quick ? 1 << 22 : 1 << 25)
        let size = quick ? 512 : 2048
        let kc = GEMMSpec.kernelCase(.fp32, m: size, n: size, k: size)
        let backends = [BLASBackend(cpuModel: cpu.model) as any Backend, SwiftBackend(cpuModel: cpu.model)]
        var achievedRates: [Double] = []
        for backend in backends {
            let prepared = try backend.prepare(kc, threads: t)
            var stopwatch = ContinuousStopwatch()
            let m = try Measurement.measure(policy: quick ? .quick : MeasurementPolicy(budgetSeconds: 3), stopwatch: &stopwatch) { try prepared.run() }
            achievedRates.append(GEMMSpec().flops(kc) / Summary(m.samples).median)
            probePeaks()
        }
        let peak32 = peakRates[.fp32] ?? 0
        print("peak: fp32 \(fixed(peak32 / 1e9, 1)) GFLOP/s, fp64 \(fixed((peakRates[.fp64] ?? 0) / 1e9, 1)) GFLOP/s (best of 3 probes); memory: STREAM triad \(fixed(bandwidth / 1e9, 1)) GB/s")
        for (backend, achieved) in zip(backends, achievedRates) where achieved > peak32 {
            printError("bench: error: calibrate: \(backend.id)'s GEMM fp32 \(size)³ ran at \(fixed(achieved / 1e9, 1)) GFLOP/s, above the FMA peak probe's best \(fixed(peak32 / 1e9, 1)) GFLOP/s: the probe was disturbed (another process on these cores?); no profile written, rerun on a quiet machine")
            throw ExitCode(1)
        }
        var peaks: [String: Fact] = [:]
        for (dtype, rate) in peakRates { peaks[dtype.rawValue] = fact(rate / 1e12, "TFLOP/s", "register-only FMA loop, best of 3 probes") }
        let assumed = { (v: Double, unit: String, why: String) in Fact(value: v, unit: unit, source: "assumption", date: today, note: why, format: nil) }
        let blas = OpenBLAS.info(cpuFlags: cpu.flags).coreName
        // One device per measured backend: the model stands for "this host running that backend's GEMM".
        var devices: [DeviceSpec] = []
        for (backend, achieved) in zip(backends, achievedRates) {
            let efficiency = achieved / peak32
            print("\(backend.id): GEMM fp32 \(size)³ \(fixed(achieved / 1e9, 1)) GFLOP/s (\(fixed(efficiency * 100, 1))% of peak)")
            devices.append(DeviceSpec(
                name: "host-\(backend.id)", displayName: "\(cpu.model) (this host, \(t) threads, \(backend.id == .cpuBLAS ? "OpenBLAS \(blas)" : "native Swift"))",
                vendor: "measured", kind: "x86_cpu", peakDenseTflops: peaks, peakSparseTflops: nil, memoryGb: nil,
                memoryBandwidthGbPerS: fact(bandwidth / 1e9, "GB/s", "STREAM triad, 3 × 256 MiB arrays"), tdpWatts: nil, onChipSramMib: nil,
                model: ModelParameters(
                    launchOverheadUs: assumed(1, "us", "a function call and a thread-pool wake-up"),
                    tileM: assumed(12, "elements", "bench's native micro-kernel rows"),
                    tileN: assumed(32, "elements", "bench's native micro-kernel columns (fp32)"),
                    tileK: assumed(1, "elements", "no K quantisation on a CPU"),
                    computeUnits: fact(Double(t), "count", "threads used"),
                    matmulEfficiency: fact(efficiency, "fraction", "\(backend.id) fp32 GEMM \(size)³ ÷ FMA peak"),
                    memoryEfficiency: assumed(1, "fraction", "the bandwidth above is already the achieved STREAM figure"),
                    minWorkPerUnitFlops: nil),
                notes: nil))
        }
        let catalog = Catalog(schemaVersion: 1, catalogVersion: "host-\(today)", currency: "USD", devices: devices, instances: [])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(catalog).write(to: destination)
        } catch {
            throw UsageError("cannot write \(destination.path): \(error.localizedDescription)")
        }
        print("host profile: \(destination.path) (use: bench run --with-model \(destination.path))")
    }
}
