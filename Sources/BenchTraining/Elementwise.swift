import BenchCore
import BenchRuntime
import Foundation

/// The element-wise pieces of a training step: fused, in place, multi-threaded
/// over rows, allocation-free.
enum Elementwise {
    /// √(2/π), the GELU tanh-approximation constant.
    static let geluScale = 0.797_884_560_802_865_4

    /// `h[r, :] += bias; a[r, :] = gelu(h[r, :])` over rows (``MatmulEpilogue/biasGELU(bias:activation:)``).
    /// fp32 runs 16 lanes at a time with ``VectorMath/tanh(_:)``; fp64 uses libm.
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

    /// `d[i] *= gelu′(h[i])` in place: turns ∂L/∂a into ∂L/∂h (``MatmulEpilogue/geluBackward(h:)``).
    ///
    /// gelu′(u) = ½(1 + t) + ½·u·(1 − t²)·√(2/π)·(1 + 3·0.044715·u²), t = tanh(√(2/π)(u + 0.044715u³)).
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

}
