import BenchCore
import BenchRuntime
import Foundation

/// Bias columns, bias adds, squared-error loss and copies.
extension Elementwise {
    /// `out[r, :] += bias`, then the squared error against `target` and `dout = scale·(out − y)`.
    /// Returns Σ (out − y)² (in Double), using `rowLoss` as per-row scratch.
    @inline(__always)
    static func biasMSE<T: NativeScalar>(
        out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, target: UnsafePointer<T>, dout: UnsafeMutablePointer<T>,
        rowLoss: UnsafeMutablePointer<Double>, rows: Int, cols: Int, gradScale: T, threads: Int
    ) -> Double {
        addBias(out, bias: bias, residual: nil, rows: rows, cols: cols, threads: threads)
        return squaredError(
            out: out, target: target, dout: dout, rowLoss: rowLoss, rows: rows, cols: cols,
            gradScale: gradScale, threads: threads)
    }

    /// `dst[j] = Σ_r src[r, j]`: bias gradients. Threads split the columns.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func columnSums<T: NativeScalar>(
        _ src: UnsafePointer<T>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<T>, threads: Int
    ) {
        parallelRanges(
            cols, threads: threads, minimumPerThread: 64, ColumnSums(src: src, dst: dst, rows: rows, cols: cols))
    }

    struct ColumnSums<T: NativeScalar>: RangeBody {
        let src: UnsafePointer<T>, dst: UnsafeMutablePointer<T>, rows: Int, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for j in range { dst[j] = 0 }
            for r in 0..<rows {
                let row = src + r * cols
                for j in range { dst[j] += row[j] }
            }
        }
    }

    /// `c[r, :] += bias (+ residual[r, :])` for every row: one pass.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func addBias<T: NativeScalar>(
        _ c: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, residual: UnsafePointer<T>?, rows: Int, cols: Int,
        threads: Int
    ) {
        parallelRanges(rows, threads: threads, AddBias(c: c, bias: bias, residual: residual, cols: cols))
    }

    struct AddBias<T: NativeScalar>: RangeBody {
        let c: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, residual: UnsafePointer<T>?, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let cr = c + r * cols
                if let residual {
                    let rr = residual + r * cols
                    for j in 0..<cols { cr[j] += bias[j] + rr[j] }
                } else {
                    for j in 0..<cols { cr[j] += bias[j] }
                }
            }
        }
    }

    /// Mean squared error: returns `Σ(out − y)²` and writes `dout = scale·(out − y)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func squaredError<T: NativeScalar>(
        out: UnsafePointer<T>, target: UnsafePointer<T>, dout: UnsafeMutablePointer<T>,
        rowLoss: UnsafeMutablePointer<Double>, rows: Int, cols: Int, gradScale: T, threads: Int
    ) -> Double {
        parallelRanges(
            rows, threads: threads,
            SquaredError(out: out, target: target, dout: dout, rowLoss: rowLoss, cols: cols, gradScale: gradScale))
        var total = 0.0
        for r in 0..<rows { total += rowLoss[r] }
        return total
    }

    struct SquaredError<T: NativeScalar>: RangeBody {
        let out: UnsafePointer<T>, target: UnsafePointer<T>, dout: UnsafeMutablePointer<T>
        let rowLoss: UnsafeMutablePointer<Double>, cols: Int, gradScale: T
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let o = out + r * cols, y = target + r * cols, g = dout + r * cols
                var s = 0.0
                for j in 0..<cols {
                    let diff = o[j] - y[j]
                    s += Double(diff * diff)
                    g[j] = gradScale * diff
                }
                rowLoss[r] = s
            }
        }
    }

    /// `dst[i] = src[i]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func copy<T: NativeScalar>(
        _ src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>, count: Int, threads: Int
    ) {
        parallelRanges(count, threads: threads, minimumPerThread: 65536, Copy(src: src, dst: dst))
    }

    struct Copy<T: NativeScalar>: RangeBody {
        let src: UnsafePointer<T>, dst: UnsafeMutablePointer<T>
        func callAsFunction(_ range: Range<Int>) {
            (dst + range.lowerBound).update(from: src + range.lowerBound, count: range.count)
        }
    }

    /// `c += r` element by element (``MatmulEpilogue/residual(_:)``).
    struct AddResidual<T: NativeScalar>: RangeBody {
        let c: UnsafeMutablePointer<T>, r: UnsafePointer<T>
        func callAsFunction(_ range: Range<Int>) {
            for i in range { c[i] += r[i] }
        }
    }
}
