import BenchCore
import BenchRuntime

/// The element-wise work that follows a matmul in a training step, `C = op(A)·op(B)` then
/// `epilogue(C)`, in one pass over C after the matmul, its rows split over the engine's threads
/// (``MatrixEngine/multiply(transA:transB:m:n:k:a:lda:b:ldb:c:ldc:epilogue:)``).
///
/// Applying it inside the native GEMM instead, to each tile of C as the tile was finished (or to
/// each column of tiles), was measured 1.5–2.5% slower per step on Zen 5 than this separate
/// pass: the epilogue's other operands evicted the packed panels the micro-kernel streams from
/// L1 (docs/performance.md). So every engine runs it this way.
///
/// Every other operand has C's layout: row-major with C's row stride, element `(i, j)` at
/// `i·ldc + j`; a bias has one value per column.
public enum MatmulEpilogue<T: NativeScalar> {
    /// `C += bias (+ residual)`.
    case bias(UnsafePointer<T>, residual: UnsafePointer<T>?)
    /// `C += residual`.
    case residual(UnsafePointer<T>)
    /// `C += bias; activation = gelu(C)` (C keeps the pre-activation for the backward).
    case biasGELU(bias: UnsafePointer<T>, activation: UnsafeMutablePointer<T>)
    /// `C *= gelu′(h)`: turns ∂L/∂a into ∂L/∂h.
    case geluBackward(h: UnsafePointer<T>)
    /// C is the up projection: `activation = silu(gate)·C`.
    case swiGLU(gate: UnsafePointer<T>, activation: UnsafeMutablePointer<T>)
    /// C is ∂L/∂y of `y = silu(gate)·up`: writes ∂L/∂gate and ∂L/∂up.
    case swiGLUBackward(
        gate: UnsafePointer<T>, up: UnsafePointer<T>, gateGradient: UnsafeMutablePointer<T>,
        upGradient: UnsafeMutablePointer<T>)

    /// Applies the epilogue to all of C (`m × n`, row stride `ldc`), its rows split over `threads`.
    /// Specialised so the pool's dispatch is concrete (a generic one allocates a context a call).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func applyAll(_ c: UnsafeMutablePointer<T>, m: Int, n: Int, ldc: Int, threads: Int) {
        parallelRanges(m, threads: threads, WholeRows(epilogue: self, c: c, n: n, ldc: ldc))
    }

    struct WholeRows: RangeBody {
        let epilogue: MatmulEpilogue, c: UnsafeMutablePointer<T>, n: Int, ldc: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range { epilogue.row(c, offset: r * ldc, count: n) }
        }
    }

    /// The first `count` elements of the row of C (and of every other operand) that starts at
    /// element `o`.
    @inline(__always)
    func row(_ c: UnsafeMutablePointer<T>, offset o: Int, count: Int) {
        let one = 0..<1
        switch self {
        case .bias(let bias, let residual):
            Elementwise.AddBias(c: c + o, bias: bias, residual: residual.map { $0 + o }, cols: count)(one)
        case .residual(let residual):
            Elementwise.AddResidual(c: c + o, r: residual + o)(0..<count)
        case .biasGELU(let bias, let activation):
            if T.self == Float.self {
                Elementwise.biasGELURow(
                    Self.float(c + o), Self.float(activation + o), Self.float(bias), count)
            } else {
                Elementwise.BiasGELU(h: c + o, a: activation + o, bias: bias, cols: count)(one)
            }
        case .geluBackward(let h):
            if T.self == Float.self {
                Elementwise.GELUBackwardFloat(d: Self.float(c + o), h: Self.float(h + o))(0..<count)
            } else {
                Elementwise.GELUBackward(d: c + o, h: h + o)(0..<count)
            }
        case .swiGLU(let gate, let activation):
            Elementwise.SwiGLU(a: gate + o, b: c + o, dy: nil, y: activation + o, da: nil, db: nil, cols: count)(one)
        case .swiGLUBackward(let gate, let up, let gateGradient, let upGradient):
            Elementwise.SwiGLU(
                a: gate + o, b: up + o, dy: c + o, y: nil, da: gateGradient + o, db: upGradient + o, cols: count)(one)
        }
    }

    @inline(__always)
    static func float(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    static func float(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }
}

extension MatrixEngine {
    /// `C = op(A)·op(B)` (α = 1, β = 0), then `epilogue` on C in one pass.
    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int, c: UnsafeMutablePointer<Scalar>, ldc: Int,
        epilogue: MatmulEpilogue<Scalar>
    ) {
        multiply(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0,
            c: c, ldc: ldc)
        epilogue.applyAll(c, m: m, n: n, ldc: ldc, threads: threads)
    }
}
