import BenchCore
import BenchRuntime
import Foundation

/// Softmax's row maximum and shifted exponentials (vectorised).
extension Elementwise {
    /// The largest of `row[0..<count]` (`count` ≥ 1). fp32 keeps four 16-lane running maxima
    /// (a scalar `max` chain is latency-bound and does not vectorise), then single vectors,
    /// then the tail copied into a vector padded with the running maxima.
    @inline(__always)
    static func maximum<T: NativeScalar>(_ row: UnsafeMutablePointer<T>, count: Int) -> T {
        if T.self == Float.self && count >= 16 {
            let r = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
            var m0 = load16(r), m1 = m0, m2 = m0, m3 = m0
            var j = 0
            while j + 64 <= count {
                m0 = VectorMath.maximum(m0, load16(r + j))
                m1 = VectorMath.maximum(m1, load16(r + j + 16))
                m2 = VectorMath.maximum(m2, load16(r + j + 32))
                m3 = VectorMath.maximum(m3, load16(r + j + 48))
                j += 64
            }
            while j + 16 <= count {
                m0 = VectorMath.maximum(m0, load16(r + j))
                j += 16
            }
            if j < count {
                var tail = m0
                withUnsafeMutableBytes(of: &tail) {
                    $0.baseAddress!.copyMemory(from: r + j, byteCount: (count - j) * 4)
                }
                m0 = VectorMath.maximum(m0, tail)
            }
            let mx = VectorMath.maximum(VectorMath.maximum(m0, m1), VectorMath.maximum(m2, m3)).max()
            return unsafeBitCast(mx, to: T.self)
        }
        var mx = row[0]
        for j in 1..<count { mx = Swift.max(mx, row[j]) }
        return mx
    }

    /// In place `row[j] = exp(row[j] − shift)` for `j < count`; returns Σ row[j] (in Double).
    /// fp32 runs 16 lanes at a time with ``VectorMath/exp(_:)``, the tail included.
    @inline(__always)
    static func exponentiate<T: NativeScalar>(_ row: UnsafeMutablePointer<T>, count: Int, shift: T) -> Double {
        if T.self == Float.self {
            let r = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
            let m = unsafeBitCast(shift, to: Float.self)
            var acc = SIMD16<Float>()
            var j = 0
            var sum = 0.0
            while j + 16 <= count {
                let e = VectorMath.exp(load16(r + j) - m)
                store16(e, r + j)
                acc += e
                j += 16
                // Fold into Double every 1024 lanes to keep the fp32 partial sums short.
                if j % 1024 == 0 {
                    sum += Double(acc.sum())
                    acc = SIMD16<Float>()
                }
            }
            sum += Double(acc.sum())
            let rest = count - j
            if rest > 0 {
                // The last count mod 16 values as one vector (short causal rows are mostly
                // tail), padded with −∞: exp clamps it to e^−87.3 ≈ 1e−38 per padding lane,
                // which cannot change the sum (at least 1: the callers shift by the row maximum).
                var tail = SIMD16<Float>(repeating: -.infinity)
                withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: r + j, byteCount: rest * 4) }
                let e = VectorMath.exp(tail - m)
                withUnsafeBytes(of: e) {
                    UnsafeMutableRawPointer(r + j).copyMemory(from: $0.baseAddress!, byteCount: rest * 4)
                }
                sum += Double(e.sum())
            }
            return sum
        }
        var sum = 0.0
        for j in 0..<count {
            let e = T.exponential(row[j] - shift)
            row[j] = e
            sum += Double(e)
        }
        return sum
    }
}
