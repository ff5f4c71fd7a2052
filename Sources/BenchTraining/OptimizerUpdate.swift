import BenchCore
import BenchRuntime
import CBenchSupport
import Foundation

/// The optimizer updates, one fused pass over a range of parameters (a model's whole
/// ``ParameterStore`` in the training steps). Hyper-parameters are fixed
/// (see `docs/training-kernels.md`).
public enum OptimizerUpdate {
    public static let sgdLearningRate = 0.01, sgdMomentum = 0.9
    public static let adamLearningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0.01

    /// `v ← μ·v + g; w ← w − lr·v` over `count` values.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sgd<T: NativeScalar>(
        w: UnsafeMutablePointer<T>, g: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>, count: Int, threads: Int
    ) {
        parallelRanges(
            count, threads: threads, minimumPerThread: 16384,
            SGD(w: w, g: g, v: v, mu: T(sgdMomentum), lr: T(sgdLearningRate)))
    }

    struct SGD<T: NativeScalar>: RangeBody {
        let w: UnsafeMutablePointer<T>, g: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>, mu: T, lr: T
        func callAsFunction(_ range: Range<Int>) {
            for i in range {
                let vi = mu * v[i] + g[i]
                v[i] = vi
                w[i] -= lr * vi
            }
        }
    }

    /// AdamW at step `t` (1-based): moments, bias correction, decoupled weight decay.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func adamw<T: NativeScalar>(
        w: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
        count: Int, step t: Int, threads: Int
    ) {
        let b1 = T(beta1), b2 = T(beta2), oneMinusB1 = T(1 - beta1), oneMinusB2 = T(1 - beta2)
        // Bias corrections folded into two scalars: w −= lr·(m/c1)/(√(v/c2) + ε) + lr·λ·w.
        let c1 = 1 - Foundation.pow(beta1, Double(t)), c2 = 1 - Foundation.pow(beta2, Double(t))
        let stepSize = T(adamLearningRate / c1), invC2 = T(1 / c2), eps = T(epsilon),
            decay = T(adamLearningRate * weightDecay)
        parallelRanges(
            count, threads: threads, minimumPerThread: 16384,
            AdamW(
                w: w, g: g, m: m, v: v, b1: b1, b2: b2, oneMinusB1: oneMinusB1, oneMinusB2: oneMinusB2,
                stepSize: stepSize, invC2: invC2, eps: eps, decay: decay))
    }

    struct AdamW<T: NativeScalar>: RangeBody {
        let w: UnsafeMutablePointer<T>, g: UnsafePointer<T>, m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>
        let b1: T, b2: T, oneMinusB1: T, oneMinusB2: T, stepSize: T, invC2: T, eps: T, decay: T
        /// fp32 and fp64 in C, in vectors (``bench_adamw_f32``): this loop did not vectorise, one
        /// `vsqrtss` and one `vdivss` per value, 9.5% of a Llama block step on one Zen 5 thread.
        func callAsFunction(_ range: Range<Int>) {
            let (lo, n) = (range.lowerBound, Int64(range.count))
            if T.self == Float.self {
                func f(_ x: T) -> Float { unsafeBitCast(x, to: Float.self) }
                func p(_ x: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
                    UnsafeMutableRawPointer(x + lo).assumingMemoryBound(to: Float.self)
                }
                bench_adamw_f32(
                    p(w), UnsafeRawPointer(g + lo).assumingMemoryBound(to: Float.self), p(m), p(v), n, f(b1), f(b2),
                    f(oneMinusB1), f(oneMinusB2), f(stepSize), f(invC2), f(eps), f(decay))
                return
            }
            if T.self == Double.self {
                func f(_ x: T) -> Double { unsafeBitCast(x, to: Double.self) }
                func p(_ x: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Double> {
                    UnsafeMutableRawPointer(x + lo).assumingMemoryBound(to: Double.self)
                }
                bench_adamw_f64(
                    p(w), UnsafeRawPointer(g + lo).assumingMemoryBound(to: Double.self), p(m), p(v), n, f(b1), f(b2),
                    f(oneMinusB1), f(oneMinusB2), f(stepSize), f(invC2), f(eps), f(decay))
                return
            }
            for i in range {
                let gi = g[i]
                let mi = b1 * m[i] + oneMinusB1 * gi
                let vi = b2 * v[i] + oneMinusB2 * gi * gi
                m[i] = mi
                v[i] = vi
                w[i] -= stepSize * mi / ((vi * invC2).squareRoot() + eps) + decay * w[i]
            }
        }
    }
}
