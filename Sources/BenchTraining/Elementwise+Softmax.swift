import BenchCore
import BenchRuntime
import Foundation

/// Softmax's row maximum and shifted exponentials (vectorised).
extension Elementwise {
    /// The largest of `row[0..<count]` (`count` ≥ 1); fp32 in vectors (``VectorMath/rowMaximum(_:count:)``).
    @inline(__always)
    static func maximum<T: NativeScalar>(_ row: UnsafeMutablePointer<T>, count: Int) -> T {
        if T.self == Float.self && count >= 16 {
            let r = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
            return unsafeBitCast(VectorMath.rowMaximum(r, count: count), to: T.self)
        }
        var mx = row[0]
        for j in 1..<count { mx = Swift.max(mx, row[j]) }
        return mx
    }

    /// In place `row[j] = exp(row[j] − shift)` for `j < count`; returns Σ row[j] (in Double).
    /// fp32 runs 16 lanes at a time (``VectorMath/exponentiateRow(_:count:shift:)``).
    @inline(__always)
    static func exponentiate<T: NativeScalar>(_ row: UnsafeMutablePointer<T>, count: Int, shift: T) -> Double {
        if T.self == Float.self {
            let r = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
            return VectorMath.exponentiateRow(r, count: count, shift: unsafeBitCast(shift, to: Float.self))
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
