import BenchCore
import BenchRuntime
import Foundation

/// The element-wise pieces of a training step: fused, in place, multi-threaded
/// over rows, allocation-free.
enum Elementwise {
    /// √(2/π), the GELU tanh-approximation constant.
    static let geluScale = 0.797_884_560_802_865_4

    /// `h[r, :] += bias; a[r, :] = gelu(h[r, :])` for every row: one pass over h.
    ///
    /// fp32 runs 16 lanes at a time with ``VectorMath/tanh(_:)``; fp64 uses libm.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func biasGELU<T: NativeScalar>(
        _ h: UnsafeMutablePointer<T>, _ a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, rows: Int, cols: Int,
        threads: Int
    ) {
        if T.self == Float.self {
            let hf = UnsafeMutableRawPointer(h).assumingMemoryBound(to: Float.self)
            let af = UnsafeMutableRawPointer(a).assumingMemoryBound(to: Float.self)
            let bf = UnsafeRawPointer(bias).assumingMemoryBound(to: Float.self)
            parallelRanges(rows, threads: threads, BiasGELUFloat(h: hf, a: af, bias: bf, cols: cols))
            return
        }
        parallelRanges(rows, threads: threads, BiasGELU(h: h, a: a, bias: bias, cols: cols))
    }

    struct BiasGELUFloat: RangeBody {
        let h: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range { biasGELURow(h + r * cols, a + r * cols, bias, cols) }
        }
    }

    struct BiasGELU<T: NativeScalar>: RangeBody {
        let h: UnsafeMutablePointer<T>, a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            let c = T(geluScale), k = T(0.044715), half = T(0.5)
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

    @inline(__always)
    static func biasGELURow(
        _ h: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, _ cols: Int
    ) {
        var j = 0
        while j + 16 <= cols {
            let u = load16(h + j) + load16(bias + j)
            store16(u, h + j)
            let u3: SIMD16<Float> = u * u * u
            let z: SIMD16<Float> = Float(geluScale) * (u + 0.044715 * u3)
            let g: SIMD16<Float> = 0.5 * u * (1 + VectorMath.tanh(z))
            store16(g, a + j)
            j += 16
        }
        while j < cols {
            let u = h[j] + bias[j]
            h[j] = u
            a[j] = 0.5 * u * (1 + tanhf(Float(geluScale) * (u + 0.044715 * u * u * u)))
            j += 1
        }
    }

    /// `d[i] *= gelu′(h[i])` in place: turns ∂L/∂a into ∂L/∂h.
    ///
    /// gelu′(u) = ½(1 + t) + ½·u·(1 − t²)·√(2/π)·(1 + 3·0.044715·u²), t = tanh(√(2/π)(u + 0.044715u³)).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func geluBackward<T: NativeScalar>(
        _ d: UnsafeMutablePointer<T>, h: UnsafePointer<T>, count: Int, threads: Int
    ) {
        if T.self == Float.self {
            let df = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
            let hf = UnsafeRawPointer(h).assumingMemoryBound(to: Float.self)
            parallelRanges(count, threads: threads, minimumPerThread: 4096, GELUBackwardFloat(d: df, h: hf))
            return
        }
        parallelRanges(count, threads: threads, minimumPerThread: 4096, GELUBackward(d: d, h: h))
    }

    struct GELUBackwardFloat: RangeBody {
        let d: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>
        func callAsFunction(_ range: Range<Int>) {
            var i = range.lowerBound
            let c = Float(geluScale), k: Float = 0.044715
            while i + 16 <= range.upperBound {
                let u = load16(h + i)
                let u2: SIMD16<Float> = u * u
                let inner: SIMD16<Float> = c * (u + k * u2 * u)
                let t = VectorMath.tanh(inner)
                let left: SIMD16<Float> = 0.5 * (1 + t)
                let slope: SIMD16<Float> = (1 - t * t) * (c * (1 + 3 * k * u2))
                let grad: SIMD16<Float> = left + 0.5 * u * slope
                store16(load16(d + i) * grad, d + i)
                i += 16
            }
            while i < range.upperBound {
                let u = h[i]
                let t = tanhf(c * (u + k * u * u * u))
                d[i] *= 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * c * (1 + 3 * k * u * u)
                i += 1
            }
        }
    }

    struct GELUBackward<T: NativeScalar>: RangeBody {
        let d: UnsafeMutablePointer<T>, h: UnsafePointer<T>
        func callAsFunction(_ range: Range<Int>) {
            let c = T(geluScale), k = T(0.044715), half = T(0.5)
            for i in range {
                let u = h[i]
                let t = T.hyperbolicTangent(c * (u + k * u * u * u))
                let grad = half * (1 + t) + half * u * (1 - t * t) * c * (1 + 3 * k * u * u)
                d[i] *= grad
            }
        }
    }

    @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always)
    static func load16(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always)
    static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

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
