import BenchCore
import BenchRuntime
import Foundation

/// Layer normalisation over the last dimension, and softmax rows: forward and backward,
/// multi-threaded over rows, allocation-free.
enum Normalization {
    /// ε added to the variance, as in PyTorch's `nn.LayerNorm` default.
    static let layerNormEpsilon = 1e-5

    /// `y = (x − mean)·rstd·γ + β` per row; saves `mean` and `rstd` (= 1/√(var + ε)) per row.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func layerNormForward<T: NativeScalar>(
        _ x: UnsafePointer<T>, gamma: UnsafePointer<T>, beta: UnsafePointer<T>, y: UnsafeMutablePointer<T>,
        mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>, rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(
            rows, threads: threads,
            LayerNormForward(x: x, gamma: gamma, beta: beta, y: y, mean: mean, rstd: rstd, cols: cols))
    }

    struct LayerNormForward<T: NativeScalar>: RangeBody {
        let x: UnsafePointer<T>, gamma: UnsafePointer<T>, beta: UnsafePointer<T>, y: UnsafeMutablePointer<T>
        let mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let xr = x + r * cols, yr = y + r * cols
                var s = 0.0
                for j in 0..<cols { s += Double(xr[j]) }
                let mu = s / Double(cols)
                var v = 0.0
                for j in 0..<cols {
                    let d = Double(xr[j]) - mu
                    v += d * d
                }
                let rs = 1 / (v / Double(cols) + layerNormEpsilon).squareRoot()
                let m = T(mu), q = T(rs)
                for j in 0..<cols { yr[j] = (xr[j] - m) * q * gamma[j] + beta[j] }
                mean[r] = m
                rstd[r] = q
            }
        }
    }

    /// Given `dy`, writes (or adds, when `accumulate`) `dx` and sets `dγ`, `dβ`.
    ///
    /// `x̂ = (x − mean)·rstd; dx̂ = dy·γ; dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))`;
    /// `dγ = Σ_rows dy·x̂`, `dβ = Σ_rows dy` (a second, column-parallel pass).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func layerNormBackward<T: NativeScalar>(
        _ dy: UnsafePointer<T>, x: UnsafePointer<T>, mean: UnsafePointer<T>, rstd: UnsafePointer<T>,
        gamma: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, accumulate: Bool,
        dGamma: UnsafeMutablePointer<T>, dBeta: UnsafeMutablePointer<T>, rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(
            rows, threads: threads,
            LayerNormInputGradient(
                dy: dy, x: x, mean: mean, rstd: rstd, gamma: gamma, dx: dx,
                accumulate: accumulate, cols: cols))
        parallelRanges(
            cols, threads: threads, minimumPerThread: 64,
            LayerNormParameterGradients(
                dy: dy, x: x, mean: mean, rstd: rstd, dGamma: dGamma, dBeta: dBeta,
                rows: rows, cols: cols))
    }

    struct LayerNormInputGradient<T: NativeScalar>: RangeBody {
        let dy: UnsafePointer<T>, x: UnsafePointer<T>, mean: UnsafePointer<T>, rstd: UnsafePointer<T>
        let gamma: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, accumulate: Bool, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let dyr = dy + r * cols, xr = x + r * cols, dxr = dx + r * cols
                let m = mean[r], q = rstd[r]
                var sum = 0.0, dot = 0.0
                for j in 0..<cols {
                    let g = Double(dyr[j] * gamma[j])
                    sum += g
                    dot += g * Double((xr[j] - m) * q)
                }
                let a = T(sum / Double(cols)), b = T(dot / Double(cols))
                for j in 0..<cols {
                    let xhat = (xr[j] - m) * q
                    let v = q * (dyr[j] * gamma[j] - a - xhat * b)
                    dxr[j] = accumulate ? dxr[j] + v : v
                }
            }
        }
    }

    struct LayerNormParameterGradients<T: NativeScalar>: RangeBody {
        let dy: UnsafePointer<T>, x: UnsafePointer<T>, mean: UnsafePointer<T>, rstd: UnsafePointer<T>
        let dGamma: UnsafeMutablePointer<T>, dBeta: UnsafeMutablePointer<T>, rows: Int, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for j in range {
                dGamma[j] = 0
                dBeta[j] = 0
            }
            for r in 0..<rows {
                let dyr = dy + r * cols, xr = x + r * cols
                let m = mean[r], q = rstd[r]
                for j in range {
                    dGamma[j] += dyr[j] * (xr[j] - m) * q
                    dBeta[j] += dyr[j]
                }
            }
        }
    }

    /// In place: each row `i` of `s` (`rows × cols`, row stride `ld`) becomes
    /// `softmax(s[i, 0..<valid(i)])`, zero beyond; `valid(i)` = `i + 1` when `causal`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func softmaxRows<T: NativeScalar>(
        _ s: UnsafeMutablePointer<T>, rows: Int, cols: Int, ld: Int, causal: Bool, threads: Int
    ) {
        let body = SoftmaxRows(s: s, cols: cols, ld: ld, causal: causal)
        if causal {
            parallelInterleaved(rows, threads: threads, minimumPerThread: 16, body)
        } else {
            parallelRanges(rows, threads: threads, minimumPerThread: 16, body)
        }
    }

    struct SoftmaxRows<T: NativeScalar>: RangeBody {
        let s: UnsafeMutablePointer<T>, cols: Int, ld: Int, causal: Bool
        func callAsFunction(_ range: Range<Int>) {
            for i in range {
                let row = s + i * ld
                let valid = causal ? min(i + 1, cols) : cols
                let mx = Elementwise.maximum(row, count: max(valid, 1))
                let sum = Elementwise.exponentiate(row, count: valid, shift: mx)
                let inv = T(1 / sum)
                for j in 0..<valid { row[j] *= inv }
                for j in valid..<cols { row[j] = 0 }
            }
        }
    }

    /// In place: `dS = P ⊙ (dP − rowsum(dP ⊙ P))` row by row, times `scale`. With `causal`,
    /// `P` is zero past the diagonal, so `dS` is set to zero there without reading `dP`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func softmaxBackwardRows<T: NativeScalar>(
        _ dp: UnsafeMutablePointer<T>, p: UnsafePointer<T>, rows: Int, cols: Int, causal: Bool, scale: T, threads: Int
    ) {
        let body = SoftmaxBackwardRows(dp: dp, p: p, cols: cols, causal: causal, scale: scale)
        if causal {
            parallelInterleaved(rows, threads: threads, minimumPerThread: 16, body)
        } else {
            parallelRanges(rows, threads: threads, minimumPerThread: 16, body)
        }
    }

    struct SoftmaxBackwardRows<T: NativeScalar>: RangeBody {
        let dp: UnsafeMutablePointer<T>, p: UnsafePointer<T>, cols: Int, causal: Bool, scale: T
        func callAsFunction(_ range: Range<Int>) {
            for i in range {
                let d = dp + i * cols, pr = p + i * cols
                let valid = causal ? min(i + 1, cols) : cols
                var dot = 0.0
                for j in 0..<valid { dot += Double(d[j] * pr[j]) }
                let c = T(dot)
                for j in 0..<valid { d[j] = scale * pr[j] * (d[j] - c) }
                for j in valid..<cols { d[j] = 0 }
            }
        }
    }
}
