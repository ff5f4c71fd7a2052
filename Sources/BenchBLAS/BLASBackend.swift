import BenchCore
import BenchTraining
import CBLAS

/// The `cpu-blas` backend: GEMM through OpenBLAS's `cblas_sgemm` / `cblas_dgemm`.
///
/// OpenBLAS's thread count is set per case with `openblas_set_num_threads`.
public final class BLASBackend: Backend {
    public let id = BackendID.cpuBLAS
    public let kind = BackendKind.measured
    public let device: String
    public let dtypes: [DType] = [.fp32, .fp64]

    /// - Parameter cpuModel: the host CPU, for the `device` column.
    public init(cpuModel: String) {
        device = "\(cpuModel) (OpenBLAS \(OpenBLAS.coreName))"
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        if kernelCase.kernel != "gemm" && !TrainingKernels.names.contains(kernelCase.kernel) {
            return "cpu-blas does not implement \(kernelCase.kernel)"
        }
        if kernelCase.dtype == .bf16 {
            return OpenBLAS.hasBF16GEMM
                ? "cpu-blas does not call OpenBLAS's cblas_sbgemm yet; cpu-swift and cpu-onednn run bf16"
                : "this OpenBLAS (\(OpenBLAS.config)) has no bf16 GEMM (no cblas_sbgemm: it was built without BUILD_BFLOAT16); cpu-swift and cpu-onednn run bf16"
        }
        return dtypeUnsupportedReason(for: kernelCase)
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        // GEMM rows measure OpenBLAS's own threading (set again at each call, since the
        // training engine sets the process-wide count to 1 for its own split).
        OpenBLAS.setThreads(threads)
        let openBLASThreads = Int32(threads)
        if TrainingKernels.names.contains(kernelCase.kernel) {
            switch kernelCase.dtype {
            case .fp32: return try TrainingKernels.prepare(kernelCase, engine: BLASEngine<Float>(threads: threads))
            case .fp64: return try TrainingKernels.prepare(kernelCase, engine: BLASEngine<Double>(threads: threads))
            default: throw BackendError.failed("\(id) has no \(kernelCase.dtype)")
            }
        }
        switch kernelCase.dtype {
        case .fp32:
            return PreparedGEMM<Float>(problem: GEMMProblem(kernelCase)) { p in
                let (m, n, k) = (Int32(p.shape.m), Int32(p.shape.n), Int32(p.shape.k))
                if openblas_get_num_threads() != openBLASThreads { OpenBLAS.setThreads(threads) }
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, p.a.base, k, p.b.base, n, 0, p.c.base, n)
            }
        case .fp64:
            return PreparedGEMM<Double>(problem: GEMMProblem(kernelCase)) { p in
                let (m, n, k) = (Int32(p.shape.m), Int32(p.shape.n), Int32(p.shape.k))
                if openblas_get_num_threads() != openBLASThreads { OpenBLAS.setThreads(threads) }
                cblas_dgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, p.a.base, k, p.b.base, n, 0, p.c.base, n)
            }
        default:
            throw BackendError.failed("cpu-blas has no \(kernelCase.dtype)")
        }
    }
}
