import BenchCore
import BenchRuntime
import Dispatch

/// Measures the host's peak FLOP/s with a register-only FMA loop.
///
/// `/proc` clock figures are unreliable in VMs, so the peak is measured: each
/// of `threads` workers runs 12 independent vector FMA chains (enough to cover
/// the FMA latency × pipes of current cores) with no memory traffic. It is
/// compiled with the same ISA flags as the kernels, so it is the peak *they*
/// can reach.
public enum HostPeak {
    /// FLOP/s of `threads` cores together for `dtype` (fp32 or fp64), best of 3 runs of ≈ `seconds`/3.
    public static func measure(dtype: DType, threads: Int, seconds: Double = 0.15) -> Double {
        switch dtype {
        case .fp64: best(Double.self, threads: threads, seconds: seconds)
        default: best(Float.self, threads: threads, seconds: seconds)
        }
    }

    static func best<T: NativeScalar>(_: T.Type, threads: Int, seconds: Double) -> Double {
        // Calibrate the iteration count on one short run, then take the best of three.
        var iterations = 1 << 14
        var rate = 0.0
        for _ in 0..<12 {
            let (r, elapsed) = run(T.self, threads: threads, iterations: iterations)
            rate = r
            if elapsed >= seconds / 3 { break }
            iterations *= 2
        }
        for _ in 0..<2 { rate = max(rate, run(T.self, threads: threads, iterations: iterations).rate) }
        return rate
    }

    static func run<T: NativeScalar>(_: T.Type, threads: Int, iterations: Int) -> (rate: Double, elapsed: Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let body: @Sendable (Int) -> Void = { t in
            let sink = chains(T.self, iterations: iterations, seed: T(t + 1) * T(1e-3))
            if sink == 42 { print("") }  // keeps the result alive; never true
        }
        WorkerPool.shared.run(participants: threads, body)
        let d = clock.now - start
        let elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        let flops = Double(iterations) * 12 * Double(T.Vector.scalarCount) * 2 * Double(threads)
        return (flops / elapsed, elapsed)
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
