import BenchCore
import BenchRuntime
import BenchTraining

/// The `cpu-swift` backend: the native Swift kernels, no BLAS.
public final class SwiftBackend: Backend {
    public let id = BackendID.cpuSwift
    public let kind = BackendKind.measured
    public let device: String
    public let dtypes: [DType] = [.fp32, .fp64]

    /// - Parameter cpuModel: the host CPU, for the `device` column.
    public init(cpuModel: String) {
        device = "\(cpuModel) (native Swift \(NativeKernels.variant))"
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        if kernelCase.kernel != "gemm" && !TrainingKernels.names.contains(kernelCase.kernel) {
            return "cpu-swift does not implement \(kernelCase.kernel)"
        }
        return dtypeUnsupportedReason(for: kernelCase)
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        if TrainingKernels.names.contains(kernelCase.kernel) {
            switch kernelCase.dtype {
            case .fp32: return try TrainingKernels.prepare(kernelCase, engine: GEMMKernel<Float>(threads: threads))
            case .fp64: return try TrainingKernels.prepare(kernelCase, engine: GEMMKernel<Double>(threads: threads))
            default: throw BackendError.failed("\(id) has no \(kernelCase.dtype)")
            }
        }
        switch kernelCase.dtype {
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
