import BenchCore
import BenchRuntime
import BenchTraining

/// A bf16 GEMM case on ``BF16GEMMKernel``: the inputs rounded to bf16 once, before timing; each
/// call packs and multiplies them into the fp32 C, which is verified as every bf16 GEMM is.
final class PreparedBF16GEMM: PreparedCase {
    let problem: GEMMProblem<Float>
    let a16: AlignedBuffer<UInt16>, b16: AlignedBuffer<UInt16>
    let kernel: BF16GEMMKernel
    let preparedNotes: String?

    init(_ kernelCase: KernelCase, path: BF16Path, threads: Int) {
        problem = GEMMProblem<Float>(kernelCase)
        (a16, b16) = problem.bf16Operands()
        kernel = BF16GEMMKernel(path: path, threads: threads)
        preparedNotes = "bf16 kernel: \(path.kernelDescription)"
    }

    func run() throws {
        let s = problem.shape
        kernel.multiply(
            m: s.m, n: s.n, k: s.k, a: a16.base, lda: s.k, b: b16.base, ldb: s.n, c: problem.c.base, ldc: s.n)
    }

    func verify() -> Verification { problem.verify() }
}
