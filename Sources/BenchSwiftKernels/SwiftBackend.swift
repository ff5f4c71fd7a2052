import BenchCore
import BenchRuntime
import BenchTraining

/// The `cpu-swift` backend: the native Swift kernels, no BLAS; its bf16 GEMM runs the CPU's
/// bf16 instructions (``BF16GEMMKernel``).
public final class SwiftBackend: Backend {
    public let id = BackendID.cpuSwift
    public let kind = BackendKind.measured
    public let device: String
    public let dtypes: [DType] = [.fp32, .fp64, .bf16]
    /// The bf16 path this host runs, or why there is none.
    public let bf16: Result<BF16Path, BF16PathError>
    /// How the fp32 and fp64 training kernels run causal attention (`BENCH_ATTENTION`).
    public let attention: AttentionAlgorithm

    /// - Parameters:
    ///   - cpuModel: the host CPU, for the `device` column.
    ///   - cpuFlags: the host's CPU flags (the bf16 GEMM needs `amx_bf16` or `avx512_bf16`).
    ///   - bf16Kernel: the bf16 path asked for (`BENCH_BF16_KERNEL`), or `nil` for the widest.
    ///   - attention: `.flash` (cpu-swift's tiled kernel), or `.materialized` (the S×S
    ///     probabilities with the native GEMM, as cpu-blas runs it with OpenBLAS) to compare the two.
    public init(
        cpuModel: String, cpuFlags: [String] = [], bf16Kernel: String? = nil, attention: AttentionAlgorithm = .flash
    ) {
        device = "\(cpuModel) (native Swift \(NativeKernels.variant))"
        self.attention = attention
        bf16 = BF16Path.select(cpuFlags: cpuFlags, requested: bf16Kernel)
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        let training = TrainingKernels.names.contains(kernelCase.kernel)
        if kernelCase.kernel != "gemm" && !training {
            return "cpu-swift does not implement \(kernelCase.kernel)"
        }
        guard kernelCase.dtype == .bf16 else { return dtypeUnsupportedReason(for: kernelCase) }
        if training && !["mlp_step", "transformer_block_step", "llama_block_step"].contains(kernelCase.kernel) {
            return
                "cpu-swift runs bf16 GEMMs and training steps; bf16 \(kernelCase.kernel) is not built yet (bench has no bf16 reference to verify it)"
        }
        if Valgrind.isRunning {
            return "valgrind cannot execute AMX or avx512_bf16; counts cover cpu-swift's fp32 and fp64 kernels"
        }
        if case .failure(let why) = bf16 { return why.description }
        return nil
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        if TrainingKernels.names.contains(kernelCase.kernel) {
            switch kernelCase.dtype {
            case .bf16:
                // Mixed precision: bf16 matmuls, fp32 everything else, attention included (the
                // steps unsupportedReason allows).
                if let why = unsupportedReason(for: kernelCase) { throw BackendError.failed(why) }
                return try TrainingKernels.prepare(
                    kernelCase, engine: BF16MatrixEngine(path: bf16.get(), threads: threads, attention: attention))
            case .fp32:
                return try TrainingKernels.prepare(
                    kernelCase, engine: GEMMKernel<Float>(threads: threads, attention: attention))
            case .fp64:
                return try TrainingKernels.prepare(
                    kernelCase, engine: GEMMKernel<Double>(threads: threads, attention: attention))
            default: throw BackendError.failed("\(id) has no \(kernelCase.dtype)")
            }
        }
        if let why = unsupportedReason(for: kernelCase) { throw BackendError.failed(why) }
        switch kernelCase.dtype {
        case .bf16: return try PreparedBF16GEMM(kernelCase, path: bf16.get(), threads: threads)
        case .fp32: return Self.prepareGEMM(Float.self, kernelCase, threads: threads)
        case .fp64: return Self.prepareGEMM(Double.self, kernelCase, threads: threads)
        default: throw BackendError.failed("cpu-swift has no \(kernelCase.dtype)")
        }
    }

    static func prepareGEMM<T: NativeScalar>(_: T.Type, _ kernelCase: KernelCase, threads: Int) -> PreparedGEMM<T> {
        let problem = GEMMProblem<T>(kernelCase)
        let kernel = GEMMKernel<T>(m: problem.shape.m, n: problem.shape.n, k: problem.shape.k, threads: threads)
        return PreparedGEMM(problem: problem) { p in
            kernel.multiply(a: p.a.base, b: p.b.base, c: p.c.base)
        }
    }
}

/// Facts about the native kernels compiled into this binary.
public enum NativeKernels {
    /// E.g. `avx512 fma, 12x32 fp32 / 12x16 fp64` — the ISA, FMA use and micro-kernel tiles.
    /// The fp32 micro-kernel tile (rows × columns) of this build's ISA.
    public static var fp32Tile: (rows: Int, columns: Int) { (GEMMKernel<Float>.mr, GEMMKernel<Float>.nr) }

    public static var variant: String {
        let isa = HostProbe.compiledISA
        return
            "\(isa)\(nativeKernelsUseFMA ? " fma" : ""), \(GEMMKernel<Float>.mr)x\(GEMMKernel<Float>.nr) fp32 / \(GEMMKernel<Double>.mr)x\(GEMMKernel<Double>.nr) fp64"
    }
}
