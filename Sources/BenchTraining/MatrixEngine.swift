import BenchCore

/// Something that multiplies row-major matrices: OpenBLAS or the native kernels.
///
/// `C = α·op(A)·op(B) + β·C`, `op(X)` = `X` or `Xᵀ`; A is `m×k` (stored `k×m` when
/// transposed), B is `k×n` (stored `n×k` when transposed); `ld*` are row strides.
/// With β = 0 the old contents of C are ignored.
public protocol MatrixEngine<Scalar>: AnyObject {
    associatedtype Scalar: NativeScalar
    func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Scalar,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int)
    /// Worker threads the engine uses (also used for the element-wise work).
    var threads: Int { get }
    /// How the training kernels run causal attention on this engine (``AttentionPass``).
    var attentionAlgorithm: AttentionAlgorithm { get }
    /// The engine the materialised attention's matmuls run on: this one, unless the engine's
    /// precision recipe keeps attention at another precision (a bf16 engine's: fp32).
    var attentionEngine: any MatrixEngine<Scalar> { get }
}

extension MatrixEngine {
    /// Materialised probabilities with the matmuls on the engine, unless the engine says otherwise.
    public var attentionAlgorithm: AttentionAlgorithm { .materialized }
    public var attentionEngine: any MatrixEngine<Scalar> { self }
}
