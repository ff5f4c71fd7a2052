import BenchCore
import BenchTraining

/// The matrix engine of cpu-swift's bf16 training steps (mixed precision, as accelerators train):
/// every matmul rounds both operands to bf16 and accumulates in fp32 (``BF16GEMMKernel``), while
/// the parameters, their gradients, the optimizer state and the element-wise work stay fp32.
public final class BF16MatrixEngine: MatrixEngine {
    public typealias Scalar = Float
    let kernel: BF16GEMMKernel
    public var threads: Int { kernel.threads }
    /// Attention stays fp32 in cpu-swift's bf16 steps: the flash kernel's fp32 tiles, or (with
    /// `BENCH_ATTENTION=materialized`) the fp32 GEMM. Only the projections' matmuls are bf16.
    public let attentionAlgorithm: AttentionAlgorithm
    /// Made when a step with attention first asks (its packing buffers are of no use to mlp_step).
    public lazy var attentionEngine: any MatrixEngine<Float> = GEMMKernel<Float>(
        threads: threads, attention: attentionAlgorithm)

    public init(path: BF16Path, threads: Int, attention: AttentionAlgorithm = .flash) {
        kernel = BF16GEMMKernel(path: path, threads: threads)
        attentionAlgorithm = attention
    }

    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        kernel.multiply(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
            c: c, ldc: ldc)
    }
}
