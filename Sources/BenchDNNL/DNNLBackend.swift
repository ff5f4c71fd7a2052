import BenchCore
import BenchRuntime
import BenchTraining
import CBenchDNNL

/// The `cpu-onednn` backend: GEMM through oneDNN's matmul primitive in fp32 and in bf16 (inputs
/// rounded to bf16, fp32 accumulation and output, as GPUs and PyTorch on CPUs do), the fp32
/// training kernels with `dnnl_sgemm` for their matmuls, and the mixed-precision bf16 `mlp_step`
/// with bf16 matmul primitives (``DNNLBF16Engine``). oneDNN is the library PyTorch uses on
/// CPUs, Graviton included.
public final class DNNLBackend: Backend {
    public static let backendID = BackendID("cpu-onednn")
    public let id = DNNLBackend.backendID
    public let kind = BackendKind.measured
    public let dtypes: [DType] = [.fp32, .bf16]
    let cpuModel: String
    let nativeBF16: Bool

    /// The `device` column. oneDNN is loaded the first time a row asks, not when bench starts:
    /// most runs never use it.
    public var device: String {
        OneDNN.loadFailure == nil ? "\(cpuModel) (oneDNN \(OneDNN.version))" : "\(cpuModel) (oneDNN missing)"
    }

    /// - Parameters:
    ///   - cpuModel: the host CPU, for the `device` column.
    ///   - cpuFlags: the host's CPU flags (bf16 needs `avx512_bf16` or `amx_bf16`).
    public init(cpuModel: String, cpuFlags: [String]) {
        self.cpuModel = cpuModel
        nativeBF16 = OneDNN.hasNativeBF16(cpuFlags: cpuFlags)
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        if let why = OneDNN.loadFailure { return why }
        if Valgrind.isRunning {
            return
                "oneDNN generates its kernels at run time for this CPU's widest ISA, which valgrind cannot run; counts cover cpu-blas and cpu-swift"
        }
        let training = TrainingKernels.names.contains(kernelCase.kernel)
        if kernelCase.kernel != "gemm" && !training { return "cpu-onednn does not implement \(kernelCase.kernel)" }
        switch kernelCase.dtype {
        case .fp32: return nil
        case .bf16
        where training && !["mlp_step", "transformer_block_step", "llama_block_step"].contains(kernelCase.kernel):
            return
                "cpu-onednn runs bf16 GEMMs and training steps; bf16 \(kernelCase.kernel) is not built yet (bench has no bf16 reference to verify it)"
        case .bf16 where !nativeBF16:
            return
                "this CPU has neither avx512_bf16 nor amx_bf16, so oneDNN would emulate bf16 in fp32; a bf16 row would not measure bf16 hardware"
        case .bf16: return nil
        case .fp64: return "oneDNN has no fp64 matmul on CPUs"
        default: return dtypeUnsupportedReason(for: kernelCase)
        }
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        if let why = unsupportedReason(for: kernelCase) { throw BackendError.failed(why) }
        OneDNN.setThreads(threads)
        if kernelCase.kernel != "gemm" {
            if kernelCase.dtype == .bf16 {
                // Mixed precision: bf16 matmuls, fp32 everything else, attention included (the
                // steps unsupportedReason allows).
                return try TrainingKernels.prepare(kernelCase, engine: DNNLBF16Engine(threads: threads))
            }
            return try TrainingKernels.prepare(kernelCase, engine: DNNLEngine(threads: threads))
        }
        return try PreparedDNNLGEMM(kernelCase, threads: threads)
    }
}

/// A GEMM case on oneDNN's matmul primitive, created once for the case's buffers.
final class PreparedDNNLGEMM: PreparedCase {
    let problem: GEMMProblem<Float>
    /// A and B as bf16 bit patterns (bf16 cases), rounded to nearest even from the fp32 inputs.
    let a16: AlignedBuffer<UInt16>?, b16: AlignedBuffer<UInt16>?
    let matmul: OpaquePointer
    let threads: Int
    let preparedNotes: String?

    init(_ kernelCase: KernelCase, threads: Int) throws {
        problem = GEMMProblem<Float>(kernelCase)
        self.threads = threads
        let bf16 = kernelCase.dtype == .bf16
        let operands = bf16 ? problem.bf16Operands() : nil
        (a16, b16) = (operands?.a, operands?.b)
        let a: UnsafeRawPointer = a16.map { UnsafeRawPointer($0.base) } ?? UnsafeRawPointer(problem.a.base)
        let b: UnsafeRawPointer = b16.map { UnsafeRawPointer($0.base) } ?? UnsafeRawPointer(problem.b.base)
        var why = [CChar](repeating: 0, count: 512)
        let s = problem.shape
        guard
            let mm = bench_dnnl_matmul_create(
                Int64(s.m), Int64(s.n), Int64(s.k), bf16 ? 1 : 0, a, b, problem.c.base, &why, why.count)
        else { throw BackendError.failed(OneDNN.text(why)) }
        matmul = mm
        preparedNotes = "oneDNN matmul implementation \(String(cString: bench_dnnl_matmul_impl(mm)))"
    }

    func run() throws {
        OneDNN.setThreads(threads)
        let status = bench_dnnl_matmul_run(matmul)
        if status != 0 { throw BackendError.failed("oneDNN matmul failed (status \(status))") }
    }

    func verify() -> Verification { problem.verify() }
    var overheadSecondsPerSample: Double? { nil }

    // The primitive goes first; the buffers it points into after.
    deinit { bench_dnnl_matmul_destroy(matmul) }
}
