/// A scalar the native kernels vectorise, in one vector register of the ISA the build targets:
/// `Vector` is a whole register, so the register-blocked GEMM and the FMA peak probe can count
/// their registers (AVX-512: 32 `zmm` of 16 floats; AVX2: 16 `ymm` of 8; SSE2: 16 `xmm` of 4;
/// NEON: 32 of 4). `scripts/build` defines `BENCH_AVX512` or `BENCH_AVX2` with the ISA's flags.
public protocol NativeScalar: GEMMScalar, TranscendentalScalar {
    associatedtype Vector: SIMD where Vector.Scalar == Self, Vector.Scalar: BinaryFloatingPoint
}
#if arch(x86_64) && BENCH_AVX512
    extension Float: NativeScalar { public typealias Vector = SIMD16<Float> }
    extension Double: NativeScalar { public typealias Vector = SIMD8<Double> }
#elseif arch(x86_64) && BENCH_AVX2
    extension Float: NativeScalar { public typealias Vector = SIMD8<Float> }
    extension Double: NativeScalar { public typealias Vector = SIMD4<Double> }
#else
    // SSE2 (x86-64's baseline) and NEON: 128-bit registers.
    extension Float: NativeScalar { public typealias Vector = SIMD4<Float> }
    extension Double: NativeScalar { public typealias Vector = SIMD2<Double> }
#endif

/// Vector registers of the ISA this build targets (16 on SSE2/AVX/AVX2, 32 on AVX-512 and NEON).
@inlinable public var nativeVectorRegisters: Int {
    #if (arch(x86_64) && BENCH_AVX512) || arch(arm64)
        32
    #else
        16
    #endif
}

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
