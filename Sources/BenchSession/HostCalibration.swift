import BenchBLAS
import BenchCore
import BenchModels
import BenchResults
import BenchSwiftKernels
import Foundation

/// `bench calibrate`'s measurement: this host's roofline (FMA peak per dtype, STREAM triad
/// bandwidth, achieved GEMM per measured backend), and the host profile built from it.
public struct HostCalibration: Sendable {
    /// Best of the FMA peak probes per dtype, in FLOP/s.
    public var peakFLOPS: [DType: Double]
    /// STREAM triad, in bytes per second.
    public var bandwidthBytesPerSecond: Double
    /// The fp32 GEMM size measured (`size³`).
    public var gemmSize: Int
    /// Achieved fp32 GEMM FLOP/s per measured backend, in measurement order.
    public var achieved: [(backend: BackendID, flopsPerSecond: Double)]
    public var threads: Int
    public var cpuModel: String
    /// The OpenBLAS core `cpu-blas` ran.
    public var blasCore: String

    /// A GEMM faster than the peak: the probe was disturbed, so no profile may be written.
    public var backendAbovePeak: (backend: BackendID, flopsPerSecond: Double)? {
        achieved.first { $0.flopsPerSecond > (peakFLOPS[.fp32] ?? 0) }
    }

    /// Measures the roofline. The peak probe runs before and after each GEMM measurement and
    /// its best counts: a disturbed probe (another process on a core) can only read low, and a
    /// peak below an achieved GEMM rate would make an efficiency above 1.
    public static func measure(threads: Int, quick: Bool, cpu: (model: String, flags: [String])) throws
        -> HostCalibration
    {
        var peaks: [DType: Double] = [:]
        func probePeaks() {
            for dtype in [DType.fp32, .fp64] {
                peaks[dtype] = max(
                    peaks[dtype] ?? 0,
                    HostPeak.measure(
                        dtype: dtype, threads: threads, seconds: quick ? 0.1 : 0.5, cpuFlags: cpu.flags))
            }
        }
        probePeaks()
        let bandwidth = StreamBandwidth.measure(threads: threads, elements: quick ? 1 << 22 : 1 << 25)
        let size = quick ? 512 : 2048
        let kc = GEMMSpec.kernelCase(.fp32, m: size, n: size, k: size)
        let backends: [any Backend] = [BLASBackend(cpuModel: cpu.model), SwiftBackend(cpuModel: cpu.model)]
        var achieved: [(BackendID, Double)] = []
        for backend in backends {
            let prepared = try backend.prepare(kc, threads: threads)
            var stopwatch = ContinuousStopwatch()
            let policy = quick ? MeasurementPolicy.quick : MeasurementPolicy(budgetSeconds: 3)
            let m = try Measurement.measure(policy: policy, stopwatch: &stopwatch) { try prepared.run() }
            achieved.append((backend.id, GEMMSpec().flops(kc) / Summary(m.samples).median))
            probePeaks()
        }
        return HostCalibration(
            peakFLOPS: peaks, bandwidthBytesPerSecond: bandwidth, gemmSize: size, achieved: achieved, threads: threads,
            cpuModel: cpu.model, blasCore: OpenBLAS.info(cpuFlags: cpu.flags).coreName)
    }

    /// The catalog kind of this host's CPU.
    static var deviceKind: String {
        #if arch(arm64)
            "aws_cpu"
        #else
            "x86_cpu"
        #endif
    }

    /// The host profile: a catalog with one device per measured backend (`host-<backend>`),
    /// each "this host running that backend's GEMM", every number sourced and dated.
    public func profile(date: Date = Date()) -> Catalog {
        let today = Timestamp.iso(date)
        func fact(_ v: Double, _ unit: String, _ how: String) -> Fact {
            Fact(
                value: v, unit: unit, source: "measured by bench calibrate (\(how)) on \(cpuModel), \(threads) threads",
                date: today, note: nil, format: nil)
        }
        let assumed = { (v: Double, unit: String, why: String) in
            Fact(value: v, unit: unit, source: "assumption", date: today, note: why, format: nil)
        }
        var peaks: [DType: Fact] = [:]
        for (dtype, rate) in peakFLOPS {
            peaks[dtype] = fact(rate / 1e12, "TFLOP/s", "register-only FMA loop, best of 3 probes")
        }
        let peak32 = peakFLOPS[.fp32] ?? 0
        let devices = achieved.map { backend, rate in
            DeviceSpec(
                name: "host-\(backend)",
                displayName:
                    "\(cpuModel) (this host, \(threads) threads, \(backend == .cpuBLAS ? "OpenBLAS \(blasCore)" : "native Swift"))",
                vendor: "measured", kind: Self.deviceKind, peakDenseTflops: peaks, peakSparseTflops: nil, memoryGb: nil,
                memoryBandwidthGbPerS: fact(bandwidthBytesPerSecond / 1e9, "GB/s", "STREAM triad, 3 × 256 MiB arrays"),
                tdpWatts: nil, onChipSramMib: nil,
                model: ModelParameters(
                    launchOverheadUs: assumed(1, "us", "a function call and a thread-pool wake-up"),
                    tileM: assumed(
                        Double(NativeKernels.fp32Tile.rows), "elements", "bench's native micro-kernel rows on this ISA"),
                    tileN: assumed(
                        Double(NativeKernels.fp32Tile.columns), "elements",
                        "bench's native micro-kernel columns (fp32) on this ISA"),
                    tileK: assumed(1, "elements", "no K quantisation on a CPU"),
                    computeUnits: fact(Double(threads), "count", "threads used"),
                    matmulEfficiency: fact(rate / peak32, "fraction", "\(backend) fp32 GEMM \(gemmSize)³ ÷ FMA peak"),
                    memoryEfficiency: assumed(
                        1, "fraction", "the bandwidth above is already the achieved STREAM figure")),
                notes: nil)
        }
        return Catalog(
            schemaVersion: 1, catalogVersion: "host-\(today)", currency: "USD", devices: devices, instances: [])
    }
}
