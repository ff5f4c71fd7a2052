import BenchCore
import BenchTraining
import CBLAS

/// OpenBLAS as a ``MatrixEngine``: `cblas_sgemm` / `cblas_dgemm`, row-major.
public final class BLASEngine<T: NativeScalar>: MatrixEngine {
    public let threads: Int

    /// Sets OpenBLAS's thread count (process-wide) to `threads`.
    public init(threads: Int) {
        self.threads = threads
        OpenBLAS.setThreads(threads)
    }

    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let (mm, nn, kk) = (Int32(m), Int32(n), Int32(k))
        if T.self == Float.self {
            a.withMemoryRebound(to: Float.self, capacity: 1) { a in
                b.withMemoryRebound(to: Float.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Float.self, capacity: 1) { c in
                        cblas_sgemm(CblasRowMajor, ta, tb, mm, nn, kk, Float(alpha), a, Int32(lda), b, Int32(ldb), Float(beta), c, Int32(ldc))
                    }
                }
            }
        } else {
            a.withMemoryRebound(to: Double.self, capacity: 1) { a in
                b.withMemoryRebound(to: Double.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Double.self, capacity: 1) { c in
                        cblas_dgemm(CblasRowMajor, ta, tb, mm, nn, kk, Double(alpha), a, Int32(lda), b, Int32(ldb), Double(beta), c, Int32(ldc))
                    }
                }
            }
        }
    }
}
