import BenchCore
import BenchRuntime
import BenchTraining
import CBLAS

/// OpenBLAS as a ``MatrixEngine``: `cblas_sgemm` / `cblas_dgemm`, row-major.
///
/// With more than one thread, the engine splits each matmul's output into one slab per
/// thread (rows or columns, whichever is longer) and has every thread of the harness's
/// ``WorkerPool`` run single-threaded OpenBLAS on its slab. The kernels are OpenBLAS's;
/// only the threading is ours. OpenBLAS's own threading allocates its job array on the
/// heap at every call (Debian builds it for up to 64 threads, above the limit where
/// `level3_thread.c` keeps it on the stack), which a training step must not do; the
/// split form allocates nothing and keeps the workers already spinning for the
/// element-wise passes.
public final class BLASEngine<T: NativeScalar>: MatrixEngine {
    public let threads: Int

    /// Matmuls below this many multiply-adds (`m·n·k`) run on the calling thread alone.
    static var splitThreshold: Int { 32 * 32 * 32 }

    /// Sets OpenBLAS's thread count (process-wide) to 1: the engine does its own threading.
    public init(threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.threads = threads
        OpenBLAS.setThreads(1)
    }

    // Specialised so the pool's dispatch thunk is concrete (a generic one would capture
    // the body's type metadata in a heap-allocated context at every call).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        // Another case (the matmul suite's cpu-blas) may have changed the process-wide count.
        if openblas_get_num_threads() != 1 { OpenBLAS.setThreads(1) }
        let problem = Slab(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, parts: threads, splitRows: m >= n)
        if threads == 1 || m * n * k < Self.splitThreshold {
            Self.gemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        } else {
            WorkerPool.shared.run(participants: threads, problem)
        }
    }

    /// Participant `t`'s share of `C`: a contiguous block of rows of op(A) and C, or of
    /// columns of op(B) and C (starting on a 64-byte boundary of the row, so no two
    /// threads write the same cache line of an aligned C).
    struct Slab: ParallelBody {
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T
        let a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int
        let beta: T, c: UnsafeMutablePointer<T>, ldc: Int
        let parts: Int, splitRows: Bool

        func callAsFunction(part t: Int) {
            if splitRows {
                let lo = m * t / parts, hi = m * (t + 1) / parts
                guard lo < hi else { return }
                BLASEngine.gemm(
                    transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                    a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb,
                    beta: beta, c: c + lo * ldc, ldc: ldc)
            } else {
                let align = max(1, 64 / MemoryLayout<T>.stride)
                let lo = min(n, (n * t / parts + align / 2) / align * align)
                let hi = t == parts - 1 ? n : min(n, (n * (t + 1) / parts + align / 2) / align * align)
                guard lo < hi else { return }
                BLASEngine.gemm(
                    transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
                    a: a, lda: lda, b: transB ? b + lo * ldb : b + lo, ldb: ldb,
                    beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }

    /// One `cblas_?gemm` call.
    static func gemm(
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
                        cblas_sgemm(
                            CblasRowMajor, ta, tb, mm, nn, kk, Float(alpha), a, Int32(lda), b, Int32(ldb), Float(beta),
                            c, Int32(ldc))
                    }
                }
            }
        } else {
            a.withMemoryRebound(to: Double.self, capacity: 1) { a in
                b.withMemoryRebound(to: Double.self, capacity: 1) { b in
                    c.withMemoryRebound(to: Double.self, capacity: 1) { c in
                        cblas_dgemm(
                            CblasRowMajor, ta, tb, mm, nn, kk, Double(alpha), a, Int32(lda), b, Int32(ldb),
                            Double(beta), c, Int32(ldc))
                    }
                }
            }
        }
    }
}
