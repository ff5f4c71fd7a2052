/// A scalar the native kernels vectorise: `Float` in `SIMD16`, `Double` in `SIMD8`
/// (one 512-bit register each).
public protocol NativeScalar: GEMMScalar, TranscendentalScalar {
    associatedtype Vector: SIMD where Vector.Scalar == Self, Vector.Scalar: BinaryFloatingPoint
}
extension Float: NativeScalar { public typealias Vector = SIMD16<Float> }
extension Double: NativeScalar { public typealias Vector = SIMD8<Double> }

/// `acc + x·y` lane-wise: a fused multiply-add when the build targets an ISA with
/// FMA (`-DBENCH_FMA` from scripts/build), otherwise multiply-then-add, because
/// without target flags Swift lowers `addingProduct` to a library call per lane.
@inlinable @inline(__always)
public func fma<V: SIMD>(_ acc: V, _ x: V, _ y: V) -> V where V.Scalar: FloatingPoint {
    #if BENCH_FMA
    return acc.addingProduct(x, y)
    #else
    return acc + x * y
    #endif
}

/// Whether this build's kernels use fused multiply-add.
public let nativeKernelsUseFMA: Bool = {
    #if BENCH_FMA
    return true
    #else
    return false
    #endif
}()

import Foundation

/// Element-wise math the training kernels need beyond `FloatingPoint`.
public protocol TranscendentalScalar {
    /// Hyperbolic tangent (libm `tanhf`/`tanh`, correctly rounded to ≤ 1 ulp).
    static func hyperbolicTangent(_ x: Self) -> Self
    /// eˣ (libm `expf`/`exp`).
    static func exponential(_ x: Self) -> Self
    /// Natural logarithm (libm `logf`/`log`).
    static func logarithm(_ x: Self) -> Self
}
extension Float: TranscendentalScalar {
    @inline(__always) public static func hyperbolicTangent(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inline(__always) public static func exponential(_ x: Float) -> Float { Foundation.expf(x) }
    @inline(__always) public static func logarithm(_ x: Float) -> Float { Foundation.logf(x) }
}
extension Double: TranscendentalScalar {
    @inline(__always) public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
}
