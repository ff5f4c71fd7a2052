/// A scalar the native kernels vectorise: `Float` in `SIMD16`, `Double` in `SIMD8`
/// (one 512-bit register each).
public protocol NativeScalar: GEMMScalar, TranscendentalScalar {
    associatedtype Vector: SIMD where Vector.Scalar == Self, Vector.Scalar: BinaryFloatingPoint
}
extension Float: NativeScalar { public typealias Vector = SIMD16<Float> }
extension Double: NativeScalar { public typealias Vector = SIMD8<Double> }

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
