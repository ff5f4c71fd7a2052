import BenchCore
import BenchRuntime

/// The element-wise work that follows a matmul in a training step, `C = op(A)·op(B)` then
/// `epilogue(C)`. A fusing engine (the native GEMM) applies it to each finished tile of C while
/// the tile is still in L1; any other engine applies it in one pass after the matmul
/// (``MatrixEngine/multiply(transA:transB:m:n:k:a:lda:b:ldb:c:ldc:epilogue:)``). Both run the
/// same per-element code, so the results are identical.
///
/// Every other operand has C's layout: row-major with C's row stride, element `(i, j)` at
/// `i·ldc + j`; a bias has one value per column.
public enum TileEpilogue<T: NativeScalar> {
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

    /// Applies the epilogue to `rows × cols` elements of C starting at element `(row, column)`.
    @_specialize(exported:true,where T == Float)
    @_specialize(exported:true,where T == Double)
    public func apply(_ c: UnsafeMutablePointer<T>, ldc: Int, row: Int, column: Int, rows: Int, cols: Int) {
        for r in row..<(row + rows) { segment(c, offset: r * ldc + column, column: column, count: cols) }
    }

    /// Applies the epilogue to all of C (`m × n`, row stride `ldc`), its rows split over `threads`.
    /// Specialised so the pool's dispatch is concrete (a generic one allocates a context a call).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func applyAll(_ c: UnsafeMutablePointer<T>, m: Int, n: Int, ldc: Int, threads: Int) {
        parallelRanges(m, threads: threads, WholeRows(epilogue: self, c: c, n: n, ldc: ldc))
    }

    struct WholeRows: RangeBody {
        let epilogue: TileEpilogue, c: UnsafeMutablePointer<T>, n: Int, ldc: Int
        func callAsFunction(_ range: Range<Int>) {
            for r in range { epilogue.segment(c, offset: r * ldc, column: 0, count: n) }
        }
    }

    /// `count` contiguous elements of one row at linear `offset`, the first in column `column`.
    @inline(__always)
    func segment(_ c: UnsafeMutablePointer<T>, offset o: Int, column: Int, count: Int) {
        let one = 0..<1
        switch self {
        case .bias(let bias, let residual):
            Elementwise.AddBias(c: c + o, bias: bias + column, residual: residual.map { $0 + o }, cols: count)(one)
        case .residual(let residual):
            Elementwise.AddResidual(c: c + o, r: residual + o)(0..<count)
        case .biasGELU(let bias, let activation):
            if T.self == Float.self {
                Elementwise.biasGELURow(
                    Self.float(c + o), Self.float(activation + o), Self.float(bias + column), count)
            } else {
                Elementwise.BiasGELU(h: c + o, a: activation + o, bias: bias + column, cols: count)(one)
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
    /// `C = op(A)·op(B)` (α = 1, β = 0), then `epilogue` on C: one pass after the matmul. The
    /// native GEMM overrides this to apply the epilogue tile by tile, as each tile is finished.
    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int, c: UnsafeMutablePointer<Scalar>, ldc: Int,
        epilogue: TileEpilogue<Scalar>
    ) {
        multiply(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0,
            c: c, ldc: ldc)
        epilogue.applyAll(c, m: m, n: n, ldc: ldc, threads: threads)
    }
}
