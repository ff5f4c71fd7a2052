import BenchCore
import BenchRuntime
import Foundation

/// RMSNorm (Llama's pre-norm): forward and backward, multi-threaded over rows, allocation-free.
extension Normalization {
    /// ε added to the mean square, as Llama 2 and 3 set `rms_norm_eps`.
    static let rmsNormEpsilon = 1e-5

    /// `y = x·rstd·γ` per row, `rstd = 1/√(mean(x²) + ε)`; saves `rstd` per row.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func rmsNormForward<T: NativeScalar>(
        _ x: UnsafePointer<T>, gamma: UnsafePointer<T>, y: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
        rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(rows, threads: threads, RMSNormForward(x: x, gamma: gamma, y: y, rstd: rstd, cols: cols))
    }

    struct RMSNormForward<T: NativeScalar>: RangeBody {
        let x: UnsafePointer<T>, gamma: UnsafePointer<T>, y: UnsafeMutablePointer<T>
        let rstd: UnsafeMutablePointer<T>, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let xr = x + r * cols, yr = y + r * cols
                var s = 0.0
                for j in 0..<cols { s += Double(xr[j] * xr[j]) }
                let q = T(1 / (s / Double(cols) + rmsNormEpsilon).squareRoot())
                for j in 0..<cols { yr[j] = xr[j] * q * gamma[j] }
                rstd[r] = q
            }
        }
    }

    /// Given `dy`, writes (or adds, when `accumulate`) `dx` and sets `dγ`.
    ///
    /// `x̂ = x·rstd; g = dy·γ; dx = rstd·(g − x̂·mean(g·x̂))`; `dγ = Σ_rows dy·x̂` (a second,
    /// column-parallel pass).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func rmsNormBackward<T: NativeScalar>(
        _ dy: UnsafePointer<T>, x: UnsafePointer<T>, rstd: UnsafePointer<T>, gamma: UnsafePointer<T>,
        dx: UnsafeMutablePointer<T>, accumulate: Bool, dGamma: UnsafeMutablePointer<T>, rows: Int, cols: Int,
        threads: Int
    ) {
        parallelRanges(
            rows, threads: threads,
            RMSNormInputGradient(dy: dy, x: x, rstd: rstd, gamma: gamma, dx: dx, accumulate: accumulate, cols: cols))
        parallelRanges(
            cols, threads: threads, minimumPerThread: 64,
            RMSNormGammaGradient(dy: dy, x: x, rstd: rstd, dGamma: dGamma, rows: rows, cols: cols))
    }

    struct RMSNormInputGradient<T: NativeScalar>: RangeBody {
        let dy: UnsafePointer<T>, x: UnsafePointer<T>, rstd: UnsafePointer<T>, gamma: UnsafePointer<T>
        let dx: UnsafeMutablePointer<T>, accumulate: Bool, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range {
                let dyr = dy + r * cols, xr = x + r * cols, dxr = dx + r * cols
                let q = rstd[r]
                var dot = 0.0
                for j in 0..<cols { dot += Double(dyr[j] * gamma[j] * xr[j] * q) }
                let m = T(dot / Double(cols))
                for j in 0..<cols {
                    let v = q * (dyr[j] * gamma[j] - xr[j] * q * m)
                    dxr[j] = accumulate ? dxr[j] + v : v
                }
            }
        }
    }

    struct RMSNormGammaGradient<T: NativeScalar>: RangeBody {
        let dy: UnsafePointer<T>, x: UnsafePointer<T>, rstd: UnsafePointer<T>
        let dGamma: UnsafeMutablePointer<T>, rows: Int, cols: Int
        func callAsFunction(_ range: Range<Int>) {
            for j in range { dGamma[j] = 0 }
            for r in 0..<rows {
                let dyr = dy + r * cols, xr = x + r * cols
                let q = rstd[r]
                for j in range { dGamma[j] += dyr[j] * xr[j] * q }
            }
        }
    }
}
