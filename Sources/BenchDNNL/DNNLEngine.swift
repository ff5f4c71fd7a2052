import BenchCore
import BenchTraining
import CBenchDNNL

/// oneDNN's `dnnl_sgemm` as the training kernels' ``MatrixEngine`` (fp32, row-major), threaded
/// by oneDNN's OpenMP runtime; the element-wise passes use bench's worker pool, as on cpu-blas.
public final class DNNLEngine: MatrixEngine {
    public let threads: Int

    public init(threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
    }

    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let status = bench_dnnl_sgemm(
            CChar(UInt8(ascii: transA ? "T" : "N")), CChar(UInt8(ascii: transB ? "T" : "N")), Int64(m), Int64(n),
            Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        // A failed call leaves C unwritten; the step's verification then fails with the row.
        _ = status
    }
}
