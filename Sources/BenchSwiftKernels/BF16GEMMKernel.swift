import BenchRuntime
import CBenchWideISA

/// cpu-swift's bf16 GEMM: `C[m×n] = A[m×k]·B[k×n]` over row-major bf16 bit patterns with fp32
/// accumulation and an fp32 C, as GPUs' bf16 GEMMs and PyTorch on CPUs compute it.
///
/// The blocking is the fp32 GEMM's (pack a B panel of `nc` columns × `kc` K values as bf16
/// pairs, pack `mc`-row blocks of A the way the micro-kernel reads them), in C with intrinsics
/// (`Sources/CBenchWideISA`) because Swift cannot emit `vdpbf16ps` or AMX's tile instructions. The
/// threads split C's columns in 32-column slivers; each has its own workspace, allocated in
/// `init`, so ``multiply(m:n:k:a:lda:b:ldb:c:ldc:)`` allocates nothing.
public final class BF16GEMMKernel {
    public let path: BF16Path
    public let threads: Int
    private let workspaces: [AlignedBuffer<UInt8>]

    public init(path: BF16Path, threads: Int) {
        precondition(threads > 0, "threads must be positive")
        self.path = path
        self.threads = threads
        let bytes = Int(bench_bf16_workspace_bytes(path.code))
        workspaces = (0..<threads).map { _ in AlignedBuffer(count: bytes, repeating: 0) }
    }

    /// `C = A·B` (β = 0: C's old contents, NaN included, are ignored).
    public func multiply(
        m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let part = Part(kernel: self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
        if threads == 1 { part(part: 0) } else { WorkerPool.shared.run(participants: threads, part) }
    }

    /// `C = α·op(A)·op(B) + β·C` over fp32 operands, each rounded to bf16 (nearest even) as it is
    /// packed (α scales A before rounding), fp32 accumulation: a mixed-precision training step's
    /// matmul. `op(X) = Xᵀ` when `transX` (X then stored transposed). β = 0 ignores C's old
    /// contents; any other β scales them first.
    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if beta != 0 && beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        let part = RoundingPart(
            kernel: self, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
            ldb: ldb, addToC: beta != 0, c: c, ldc: ldc)
        if threads == 1 { part(part: 0) } else { WorkerPool.shared.run(participants: threads, part) }
    }

    /// Participant `t`'s columns of C: its share of the 32-column slivers.
    static func columns(part t: Int, threads: Int, n: Int) -> Range<Int> {
        let slivers = (n + 31) / 32
        return min(n, slivers * t / threads * 32)..<min(n, slivers * (t + 1) / threads * 32)
    }

    private struct RoundingPart: ParallelBody {
        unowned(unsafe) let kernel: BF16GEMMKernel
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float
        let a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, addToC: Bool
        let c: UnsafeMutablePointer<Float>, ldc: Int

        func callAsFunction(part t: Int) {
            let cols = BF16GEMMKernel.columns(part: t, threads: kernel.threads, n: n)
            guard !cols.isEmpty else { return }
            bench_bf16_gemm_part_f32(
                kernel.path.code, transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
                b, Int64(ldb), addToC ? 1 : 0, c, Int64(ldc), Int64(cols.lowerBound), Int64(cols.upperBound),
                kernel.workspaces[t].base)
        }
    }

    /// Participant `t` computes its share of C's 32-column slivers.
    private struct Part: ParallelBody {
        unowned(unsafe) let kernel: BF16GEMMKernel
        let m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int

        func callAsFunction(part t: Int) {
            let cols = BF16GEMMKernel.columns(part: t, threads: kernel.threads, n: n)
            guard !cols.isEmpty else { return }
            bench_bf16_gemm_part(
                kernel.path.code, Int64(m), Int64(n), Int64(k), a, Int64(lda), b, Int64(ldb), c, Int64(ldc),
                Int64(cols.lowerBound), Int64(cols.upperBound), kernel.workspaces[t].base)
        }
    }
}
