import BenchCore

/// The element-wise pieces of a training step: fused, in place, multi-threaded
/// over rows, allocation-free.
enum Elementwise {
    /// √(2/π), the GELU tanh-approximation constant.
    static let geluScale = 0.797_884_560_802_865_4

    /// `h[r, :] += bias; a[r, :] = gelu(h[r, :])` for every row: one pass over h.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func biasGELU<T: NativeScalar>(
        _ h: UnsafeMutablePointer<T>, _ a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, rows: Int, cols: Int, threads: Int
    ) {
        let c = T(geluScale), k = T(0.044715), half = T(0.5)
        parallelRanges(rows, threads: threads) { range in
            for r in range {
                let hr = h + r * cols, ar = a + r * cols
                for j in 0..<cols {
                    let u = hr[j] + bias[j]
                    hr[j] = u
                    ar[j] = half * u * (1 + T.hyperbolicTangent(c * (u + k * u * u * u)))
                }
            }
        }
    }

    /// `d[i] *= gelu′(h[i])` in place: turns ∂L/∂a into ∂L/∂h.
    ///
    /// gelu′(u) = ½(1 + t) + ½·u·(1 − t²)·√(2/π)·(1 + 3·0.044715·u²), t = tanh(√(2/π)(u + 0.044715u³)).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func geluBackward<T: NativeScalar>(_ d: UnsafeMutablePointer<T>, h: UnsafePointer<T>, count: Int, threads: Int) {
        let c = T(geluScale), k = T(0.044715), half = T(0.5)
        parallelRanges(count, threads: threads, minimumPerThread: 4096) { range in
            for i in range {
                let u = h[i]
                let t = T.hyperbolicTangent(c * (u + k * u * u * u))
                let grad = half * (1 + t) + half * u * (1 - t * t) * c * (1 + 3 * k * u * u)
                d[i] *= grad
            }
        }
    }

    /// `out[r, :] += bias; diff = out − y; loss_r = Σ diff²; dout = scale·diff` per row.
    /// Returns Σ loss_r (in Double), using `rowLoss` as per-row scratch.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func biasMSE<T: NativeScalar>(
        out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, target: UnsafePointer<T>, dout: UnsafeMutablePointer<T>,
        rowLoss: UnsafeMutablePointer<Double>, rows: Int, cols: Int, gradScale: T, threads: Int
    ) -> Double {
        parallelRanges(rows, threads: threads) { range in
            for r in range {
                let o = out + r * cols, y = target + r * cols, g = dout + r * cols
                var s = 0.0
                for j in 0..<cols {
                    let v = o[j] + bias[j]
                    o[j] = v
                    let diff = v - y[j]
                    s += Double(diff * diff)
                    g[j] = gradScale * diff
                }
                rowLoss[r] = s
            }
        }
        var total = 0.0
        for r in 0..<rows { total += rowLoss[r] }
        return total
    }

    /// `dst[j] = Σ_r src[r, j]`: bias gradients. Threads split the columns.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func columnSums<T: NativeScalar>(_ src: UnsafePointer<T>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<T>, threads: Int) {
        parallelRanges(cols, threads: threads, minimumPerThread: 64) { range in
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
        _ c: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, residual: UnsafePointer<T>?, rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(rows, threads: threads) { range in
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
        parallelRanges(rows, threads: threads) { range in
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
        var total = 0.0
        for r in 0..<rows { total += rowLoss[r] }
        return total
    }

    /// `dst[i] = src[i]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func copy<T: NativeScalar>(_ src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>, count: Int, threads: Int) {
        parallelRanges(count, threads: threads, minimumPerThread: 65536) { range in
            (dst + range.lowerBound).update(from: src + range.lowerBound, count: range.count)
        }
    }
}
