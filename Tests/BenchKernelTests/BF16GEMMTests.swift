import BenchCore
import BenchRuntime
import BenchSession
import BenchSwiftKernels
import BenchTraining
import Testing

/// cpu-swift's bf16 GEMM on every bf16 path this CPU has (AMX, avx512_bf16), and its refusals
/// where a path is missing. On a CPU with neither, only the refusals run.
@Suite("cpu-swift bf16 GEMM")
struct BF16GEMMTests {
    static let flags = HostProbe.cpuInfo().flags
    static let paths = BF16Path.available(cpuFlags: flags)

    @Test(
        "every entry verifies on each path at 1 and 2 threads: edges, odd K, K, M and N past one block",
        arguments: [
            "gemm/bf16/M=1,N=1,K=1", "gemm/bf16/M=13,N=37,K=5", "gemm/bf16/M=45,N=70,K=1025",
            "gemm/bf16/M=150,N=97,K=300", "gemm/bf16/M=20,N=1100,K=64",
        ])
    func everyEntry(id: String) throws {
        let kc = try KernelRegistry.builtIn.validatedCase(id)
        for path in Self.paths {
            for threads in [1, 2] {
                let problem = GEMMProblem<Float>(kc)
                let (a, b) = problem.bf16Operands()
                let s = problem.shape
                BF16GEMMKernel(path: path, threads: threads).multiply(
                    m: s.m, n: s.n, k: s.k, a: a.base, lda: s.k, b: b.base, ldb: s.n, c: problem.c.base, ldc: s.n)
                let entries = (0..<s.m).flatMap { i in (0..<s.n).map { (i, $0) } }
                let v = problem.check(
                    entries: entries, values: entries.map { Double(problem.c.base[$0.0 * s.n + $0.1]) })
                #expect(v.passed, "\(id) on \(path.rawValue), \(threads) threads: \(v.detail)")
            }
        }
    }

    @Test("C's columns outside the product and past its stride are left alone; K = 0 writes zeros")
    func strides() {
        for path in Self.paths {
            let (m, n, k, ldc) = (5, 40, 3, 48)
            let a = AlignedBuffer<UInt16>(count: m * k, repeating: 0x3F80)  // 1.0
            let b = AlignedBuffer<UInt16>(count: k * n, repeating: 0x4000)  // 2.0
            let c = AlignedBuffer<Float>(count: m * ldc, repeating: -7)
            let kernel = BF16GEMMKernel(path: path, threads: 2)
            kernel.multiply(m: m, n: n, k: k, a: a.base, lda: k, b: b.base, ldb: n, c: c.base, ldc: ldc)
            for i in 0..<m {
                for j in 0..<ldc {
                    #expect(c.base[i * ldc + j] == (j < n ? 6 : -7), "\(path.rawValue) C[\(i)][\(j)]")
                }
            }
            kernel.multiply(m: m, n: n, k: 0, a: a.base, lda: k, b: b.base, ldb: n, c: c.base, ldc: ldc)
            #expect((0..<m).allSatisfy { i in (0..<n).allSatisfy { c.base[i * ldc + $0] == 0 } })
        }
    }

    @Test("the backend verifies bf16 GEMM rows where the CPU has a path, and says why not elsewhere")
    func backend() throws {
        let gemm = try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=64,N=48,K=200")
        let step = try KernelRegistry.builtIn.validatedCase(
            "transformer_block_step/bf16/B=2,S=16,D=32,heads=4,opt=adamw")
        for path in Self.paths {
            let backend = SwiftBackend(cpuModel: "test", cpuFlags: Self.flags, bf16Kernel: path.rawValue)
            #expect(backend.unsupportedReason(for: gemm) == nil)
            let prepared = try backend.prepare(gemm, threads: 2)
            try prepared.run()
            #expect(prepared.verify().passed, "\(path.rawValue): \(prepared.verify().detail)")
            #expect(prepared.preparedNotes == "bf16 kernel: \(path.kernelDescription)")
        }
        let bare = SwiftBackend(cpuModel: "test", cpuFlags: ["avx2", "fma"])
        #expect(bare.unsupportedReason(for: gemm)?.contains("neither avx512_bf16 nor AMX") == true)
        #expect(throws: BackendError.self) { try bare.prepare(gemm, threads: 1) }
        let noAMX = SwiftBackend(cpuModel: "test", cpuFlags: ["avx512f", "avx512_bf16"], bf16Kernel: "amx")
        #expect(noAMX.unsupportedReason(for: gemm)?.contains("BENCH_BF16_KERNEL=amx asks for amx_tile") == true)
        // A bf16 training step on a CPU without a bf16 path: the same reason as the GEMM's.
        #expect(bare.unsupportedReason(for: step)?.contains("neither avx512_bf16 nor AMX") == true)
    }

    @Test("a BENCH_BF16_KERNEL that names no kernel is refused in one line")
    func unknownKernel() {
        #expect {
            _ = try BackendRegistry.all(
                cpuModel: "test", cpuFlags: Self.flags, catalog: nil, environment: ["BENCH_BF16_KERNEL": "amx2"])
        } throws: { error in
            "\(error)".contains("BENCH_BF16_KERNEL='amx2' names no bf16 kernel (expected amx or avx512_bf16)")
        }
    }

    @Test("the bf16 peak probe reads each path's register loop, and nothing where there is none")
    func peak() {
        #expect(HostPeak.probe(dtype: .bf16, threads: 1, seconds: 0.01, cpuFlags: []).best == 0)
        guard !Self.paths.isEmpty else { return }
        let bf16 = HostPeak.probe(dtype: .bf16, threads: 1, seconds: 0.02, cpuFlags: Self.flags)
        let fp32 = HostPeak.probe(dtype: .fp32, threads: 1, seconds: 0.02, cpuFlags: Self.flags)
        #expect(bf16.best > 0 && fp32.best > 0)
    }
}
