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
        let part = Part(
            kernel: self, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
            slivers: (n + 31) / 32)
        if threads == 1 { part(part: 0) } else { WorkerPool.shared.run(participants: threads, part) }
    }

    /// Participant `t` computes its share of C's 32-column slivers.
    private struct Part: ParallelBody {
        unowned(unsafe) let kernel: BF16GEMMKernel
        let m: Int, n: Int, k: Int, a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>, ldb: Int
        let c: UnsafeMutablePointer<Float>, ldc: Int, slivers: Int

        func callAsFunction(part t: Int) {
            let threads = kernel.threads
            let s0 = slivers * t / threads, s1 = slivers * (t + 1) / threads
            let begin = min(n, s0 * 32), end = min(n, s1 * 32)
            guard begin < end else { return }
            bench_bf16_gemm_part(
                kernel.path.code, Int64(m), Int64(n), Int64(k), a, Int64(lda), b, Int64(ldb), c, Int64(ldc),
                Int64(begin), Int64(end), kernel.workspaces[t].base)
        }
    }
}
