import BenchCore
import BenchRuntime
import Foundation

/// The SwiGLU gate of a Llama MLP: `y = silu(a)·b` from the gate and up projections, and its
/// backward. Multi-threaded over rows, allocation-free; fp32 runs 16 lanes at a time with
/// ``VectorMath/exp(_:)``, fp64 uses libm.
extension Elementwise {
    /// `y = silu(a)·b`, `silu(a) = a·σ(a)`, over `count` elements.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func swiGLUForward<T: NativeScalar>(
        a: UnsafePointer<T>, b: UnsafePointer<T>, y: UnsafeMutablePointer<T>, rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(rows, threads: threads, SwiGLU(a: a, b: b, dy: nil, y: y, da: nil, db: nil, cols: cols))
    }

    /// `db = dy·silu(a)`, `da = dy·b·silu′(a)` with `silu′ = σ + silu·(1 − σ)`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func swiGLUBackward<T: NativeScalar>(
        a: UnsafePointer<T>, b: UnsafePointer<T>, dy: UnsafePointer<T>, da: UnsafeMutablePointer<T>,
        db: UnsafeMutablePointer<T>, rows: Int, cols: Int, threads: Int
    ) {
        parallelRanges(rows, threads: threads, SwiGLU(a: a, b: b, dy: dy, y: nil, da: da, db: db, cols: cols))
    }

    /// Forward when `y` is set, backward when `dy`, `da` and `db` are.
    struct SwiGLU<T: NativeScalar>: RangeBody {
        let a: UnsafePointer<T>, b: UnsafePointer<T>, dy: UnsafePointer<T>?
        let y: UnsafeMutablePointer<T>?, da: UnsafeMutablePointer<T>?, db: UnsafeMutablePointer<T>?, cols: Int

        func callAsFunction(_ range: Range<Int>) {
            var j = range.lowerBound * cols
            let end = range.upperBound * cols
            if T.self == Float.self {
                let af = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
                let bf = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
                while j + 16 <= end {
                    let av = load16(af + j), bv = load16(bf + j)
                    let sigma = 1 / (1 + VectorMath.exp(-av))
                    let silu = av * sigma
                    if let y {
                        store16(silu * bv, UnsafeMutableRawPointer(y + j).assumingMemoryBound(to: Float.self))
                    } else if let dy, let da, let db {
                        let g = load16(UnsafeRawPointer(dy + j).assumingMemoryBound(to: Float.self))
                        store16(g * silu, UnsafeMutableRawPointer(db + j).assumingMemoryBound(to: Float.self))
                        let slope = sigma + silu * (1 - sigma)
                        store16(g * bv * slope, UnsafeMutableRawPointer(da + j).assumingMemoryBound(to: Float.self))
                    }
                    j += 16
                }
            }
            while j < end {
                let sigma = 1 / (1 + T.exponential(-a[j]))
                let silu = a[j] * sigma
                if let y {
                    y[j] = silu * b[j]
                } else if let dy, let da, let db {
                    db[j] = dy[j] * silu
                    da[j] = dy[j] * b[j] * (sigma + silu * (1 - sigma))
                }
                j += 1
            }
        }
    }
}
