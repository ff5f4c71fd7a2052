import BenchCore
import BenchRuntime

/// Measures sustainable memory bandwidth with a STREAM-style triad `a[i] = b[i] + s·c[i]`
/// over arrays far larger than the caches, on `threads` cores.
public enum StreamBandwidth {
    /// Bytes per second (3 arrays × 8 bytes per element per pass), best of `repeats` passes.
    public static func measure(threads: Int, elements: Int = 1 << 25, repeats: Int = 5) -> Double {
        let a = AlignedBuffer<Double>(count: elements, repeating: 0)
        let b = AlignedBuffer<Double>(count: elements, repeating: 1)
        let c = AlignedBuffer<Double>(count: elements, repeating: 2)
        let (pa, pb, pc) = (a.base, b.base, c.base)
        var best = 0.0
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let start = clock.now
            parallelRanges(elements, threads: threads, minimumPerThread: 1 << 16) { range in
                for i in range { pa[i] = pb[i] + 3 * pc[i] }
            }
            let d = clock.now - start
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            best = max(best, Double(3 * 8 * elements) / seconds)
        }
        return best
    }
}
