import BenchCore
import BenchRuntime
import CBenchWideISA
import Dispatch

/// Measures the host's peak FLOP/s with a register-only FMA loop.
///
/// `/proc` clock figures are unreliable in VMs, so the peak is measured: each
/// of `threads` workers runs ``chainCount`` independent FMA chains of one vector register
/// each (`NativeScalar.Vector`: a `zmm` on AVX-512, a `ymm` on AVX2, 128 bits on SSE2 and
/// NEON), enough to cover the FMA latency × pipes of current cores (4 cycles × 2 pipes
/// needs 8), with no memory traffic: the chains and the two operands take 14 of the 16
/// registers of AVX2, so nothing spills (checked in the generated assembly,
/// docs/performance.md). It is compiled with the same ISA flags as the kernels. On a CPU
/// wider than the build (a portable build on an AVX-512 CPU), the same loop in C for the CPU's
/// widest ISA runs instead (``widerISA(cpuFlags:)``): OpenBLAS and oneDNN choose kernels for the
/// CPU, so the machine's peak is what every row is held to. bf16 has its own probes (``BF16Path``).
public enum HostPeak {
    /// Independent accumulator chains per thread.
    public static let chainCount = 12

    /// How long one run of the loop takes (after calibration). Short, so that some runs fit
    /// between two preemptions on a busy machine: a 50 ms run there was always shared with the
    /// other tasks and read half the peak, while a kernel's sub-millisecond samples were not, and
    /// a correct row then looked faster than "possible" (docs/performance.md, host peak).
    public static let runSeconds = 0.002

    /// FLOP/s of `threads` cores together for `dtype` (fp32 or fp64), the best of the runs
    /// of ``runSeconds`` that fit in `seconds`.
    public static func measure(dtype: DType, threads: Int, seconds: Double = 0.15, cpuFlags: [String] = []) -> Double {
        probe(dtype: dtype, threads: threads, seconds: seconds, cpuFlags: cpuFlags).best
    }

    /// A probe's runs: their best, which is the peak (a disturbed run can only read low), and
    /// their spread.
    public typealias Probe = PeakProbe

    /// Runs of ≈ ``runSeconds`` each on `threads` cores (after calibrating the length): as many
    /// as fit in `seconds`, and at least `runs`. bf16 probes each bf16 path of the CPU
    /// (``BF16Path``: AMX tiles and `vdpbf16ps`) and keeps the fastest, since MFU is the share
    /// of what the machine can do; with no bf16 path its probe is empty (best 0).
    public static func probe(
        dtype: DType, threads: Int, seconds: Double = 0.15, runs: Int = 3, cpuFlags: [String] = []
    ) -> Probe {
        let fp64: Int32 = dtype == .fp64 ? 1 : 0
        if dtype != .bf16, let wide = widerISA(cpuFlags: cpuFlags) {
            return rates(threads: threads, seconds: seconds, runs: runs) { bench_fma_peak_run(wide, fp64, Int64($0)) }
        }
        switch dtype {
        case .fp64:
            return rates(threads: threads, seconds: seconds, runs: runs) { Double(fmaChains(Double.self, $0)) }
        case .bf16:
            let probes = BF16Path.available(cpuFlags: cpuFlags).map {
                probe(bf16: $0, threads: threads, seconds: seconds, runs: runs)
            }
            return probes.max { $0.best < $1.best } ?? Probe(rates: [])
        default:
            return rates(threads: threads, seconds: seconds, runs: runs) { Double(fmaChains(Float.self, $0)) }
        }
    }

    /// One bf16 path's register-only loop (`vdpbf16ps` chains, or AMX `tdpbf16ps` on six tiles);
    /// the path must be available (``BF16Path/available(cpuFlags:)``).
    public static func probe(bf16 path: BF16Path, threads: Int, seconds: Double = 0.15, runs: Int = 3) -> Probe {
        rates(threads: threads, seconds: seconds, runs: runs) { bench_bf16_peak_run(path.code, Int64($0)) }
    }

    /// The ISA the fp32 and fp64 probes run on this CPU: the build's, or the CPU's wider one.
    public static func probedISA(cpuFlags: [String]) -> String {
        switch widerISA(cpuFlags: cpuFlags) {
        case Int32(BENCH_WIDE_AVX512): "avx512 (a C loop: this build is \(HostProbe.compiledISA))"
        case Int32(BENCH_WIDE_AVX2): "avx2 (a C loop: this build is \(HostProbe.compiledISA))"
        default: HostProbe.compiledISA
        }
    }

    /// The CPU's widest FMA ISA when it is wider than this build's (a portable or AVX2 build on an
    /// AVX-512 CPU): OpenBLAS and oneDNN pick their kernels for the CPU, not for bench's build, so
    /// the peak their rows are held to is the CPU's. `nil` when the build's own loop is as wide.
    static func widerISA(cpuFlags: [String]) -> Int32? {
        #if arch(x86_64)
            if Valgrind.isRunning { return nil }
            let flags = Set(cpuFlags), build = HostProbe.compiledISA
            if build != "avx512", flags.isSuperset(of: ["avx512f"]) { return Int32(BENCH_WIDE_AVX512) }
            if build != "avx512", build != "avx2", flags.isSuperset(of: ["avx2", "fma"]) {
                return Int32(BENCH_WIDE_AVX2)
            }
        #endif
        return nil
    }

    /// The FLOPs of `iterations` rounds of ``chains(_:iterations:seed:)``.
    private static func fmaChains<T: NativeScalar>(_: T.Type, _ iterations: Int) -> Double {
        let sink = chains(T.self, iterations: iterations, seed: T(1e-3))
        if sink == 42 { print("") }  // keeps the result alive; never true
        return Double(iterations) * Double(chainCount) * Double(T.Vector.scalarCount) * 2
    }

    /// `work(iterations)` runs one participant's register-only loop and returns its FLOPs.
    static func rates(threads: Int, seconds: Double, runs: Int, work: @escaping @Sendable (Int) -> Double) -> Probe {
        // Calibrate the iteration count on the calling thread alone (each participant runs the
        // same loop), at the pace of its fastest run, then time the runs on `threads` cores. On a
        // loaded machine, calibrating whole runs stopped at a few microseconds of work: waking the
        // pool's worker took longer than a run is meant to last, and every later run measured
        // mostly that wake-up (a 2-thread fp32 peak of 13 GFLOP/s against 446 on a Zen 5 beside
        // three busy processes, so correct GEMM rows became `error` rows).
        let length = min(runSeconds, seconds / Double(max(1, runs)))
        var iterations = 1 << 10
        var fastest = Double.infinity  // seconds per iteration
        let clock = ContinuousClock()
        for _ in 0..<30 {
            let start = clock.now
            _ = work(iterations)
            fastest = min(fastest, elapsedSeconds(clock.now - start) / Double(iterations))
            if Double(iterations) * fastest >= length { break }
            iterations *= 2
        }
        var rates: [Double] = []
        let count = max(1, runs, Int(seconds / max(length, 1e-6)))
        while rates.count < count { rates.append(run(threads: threads, iterations: iterations, work: work).rate) }
        return Probe(rates: rates)
    }

    static func run(threads: Int, iterations: Int, work: @escaping @Sendable (Int) -> Double) -> (
        rate: Double, elapsed: Double
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        let flops = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
        defer { flops.deallocate() }
        WorkerPool.shared.run(participants: threads) { t in flops[t] = work(iterations) }
        let elapsed = elapsedSeconds(clock.now - start)
        return (flops.reduce(0, +) / elapsed, elapsed)
    }

    static func elapsedSeconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    @inline(never)
    static func chains<T: NativeScalar>(_: T.Type, iterations: Int, seed: T) -> T {
        let x = T.Vector(repeating: T(0.999_999))
        let y = T.Vector(repeating: seed)
        var c0 = y, c1 = y + y, c2 = y * 3, c3 = y * 4, c4 = y * 5, c5 = y * 6
        var c6 = y * 7, c7 = y * 8, c8 = y * 9, c9 = y * 10, c10 = y * 11, c11 = y * 12
        for _ in 0..<iterations {
            c0 = fma(y, c0, x); c1 = fma(y, c1, x); c2 = fma(y, c2, x); c3 = fma(y, c3, x)
            c4 = fma(y, c4, x); c5 = fma(y, c5, x); c6 = fma(y, c6, x); c7 = fma(y, c7, x)
            c8 = fma(y, c8, x); c9 = fma(y, c9, x); c10 = fma(y, c10, x); c11 = fma(y, c11, x)
        }
        let s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11
        return s.sum()
    }
}
