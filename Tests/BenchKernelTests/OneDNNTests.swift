import BenchCore
import BenchDNNL
import BenchTraining
import Testing

/// The `cpu-onednn` backend where Debian's oneDNN is installed (scripts/test installs it); where
/// it is not, every row must say how to install it.
@Suite("cpu-onednn (oneDNN)")
struct OneDNNTests {
    static let flags = HostProbe.cpuInfo().flags
    let backend = DNNLBackend(cpuModel: "test", cpuFlags: OneDNNTests.flags)

    @Test("GEMM fp32, and bf16 where the CPU has it, verifies on the matmul primitive, at 1 and 2 threads")
    func gemm() throws {
        let fp32 = try KernelRegistry.builtIn.validatedCase("gemm/fp32/M=37,N=101,K=53")
        let bf16 = try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=64,N=48,K=200")
        guard OneDNN.loadFailure == nil else {
            #expect(backend.unsupportedReason(for: fp32)?.contains("apt-get install libdnnl2") == true)
            return
        }
        for threads in [1, 2] {
            for kc in [fp32, bf16] {
                if kc.dtype == .bf16 && !OneDNN.hasNativeBF16(cpuFlags: Self.flags) {
                    #expect(backend.unsupportedReason(for: kc)?.contains("neither avx512_bf16 nor amx_bf16") == true)
                    continue
                }
                #expect(backend.unsupportedReason(for: kc) == nil)
                let prepared = try backend.prepare(kc, threads: threads)
                try prepared.run()
                let v = prepared.verify()
                #expect(v.passed, "\(kc.id) at \(threads) threads: \(v.detail)")
                #expect(prepared.preparedNotes?.contains("oneDNN matmul implementation") == true)
            }
        }
    }

    @Test("fp32 training kernels verify with dnnl_sgemm for their matmuls; fp64 and bf16 block steps say why not")
    func training() throws {
        guard OneDNN.loadFailure == nil else { return }
        for id in [
            "mlp_step/fp32/B=5,D=7,H=9,opt=adamw", "transformer_block_step/fp32/B=2,S=9,D=12,heads=3,opt=sgd",
            "attention_fwd_bwd/fp32/B=2,S=11,D=12,heads=3",
        ] {
            let kc = try KernelRegistry.builtIn.validatedCase(id)
            let prepared = try backend.prepare(kc, threads: 2)
            try prepared.run()
            #expect(prepared.verify().passed, "\(id): \(prepared.verify().detail)")
        }
        let fp64 = try KernelRegistry.builtIn.validatedCase("mlp_step/fp64/B=5,D=7,H=9,opt=sgd")
        #expect(backend.unsupportedReason(for: fp64) == "oneDNN has no fp64 matmul on CPUs")
    }

    @Test(
        "the bf16 block steps verify stage by stage on bf16 projections and fp32 attention",
        arguments: [
            "llama_block_step/bf16/B=2,S=40,D=64,heads=4,kv_heads=2,H=96,opt=adamw",
            "transformer_block_step/bf16/B=2,S=40,D=64,heads=4,opt=adamw",
        ])
    func bf16Blocks(id: String) throws {
        guard OneDNN.loadFailure == nil, OneDNN.hasNativeBF16(cpuFlags: Self.flags) else { return }
        let kc = try KernelRegistry.builtIn.validatedCase(id)
        let prepared = try backend.prepare(kc, threads: 2)
        try prepared.run()
        let first = prepared.verify()
        #expect(first.passed, "\(first.detail)")
        #expect(first.checkedEntries > 0)
        for _ in 0..<2 { try prepared.run() }
        #expect(prepared.verify().passed, "after 3 steps: \(prepared.verify().detail)")
    }

    @Test("the bf16 mlp_step verifies on bf16 matmul primitives, at 1 and 2 threads and after 3 steps")
    func bf16Step() throws {
        guard OneDNN.loadFailure == nil else { return }
        let kc = try KernelRegistry.builtIn.validatedCase("mlp_step/bf16/B=16,D=40,H=72,opt=adamw")
        guard OneDNN.hasNativeBF16(cpuFlags: Self.flags) else {
            #expect(backend.unsupportedReason(for: kc)?.contains("neither avx512_bf16 nor amx_bf16") == true)
            return
        }
        for threads in [1, 2] {
            let prepared = try backend.prepare(kc, threads: threads)
            try prepared.run()
            #expect(prepared.verify().passed, "\(threads) threads: \(prepared.verify().detail)")
            for _ in 0..<2 { try prepared.run() }
            #expect(prepared.verify().passed, "after 3 steps: \(prepared.verify().detail)")
        }
    }

    /// Every way a step calls its engine: transposed operands, α ≠ 1, β = 1 and a C wider than N,
    /// against fp64 sums of the bf16-rounded operands.
    @Test(
        "the bf16 engine matches fp64 on bf16-rounded operands for every transpose, alpha and beta",
        arguments: [(false, false), (true, false), (false, true), (true, true)])
    func bf16Engine(transA: Bool, transB: Bool) throws {
        guard OneDNN.loadFailure == nil, OneDNN.hasNativeBF16(cpuFlags: Self.flags) else { return }
        let (m, n, k, ldc) = (13, 21, 70, 25)
        let (lda, ldb) = (transA ? m + 3 : k + 2, transB ? k + 1 : n + 4)
        let a = (0..<(transA ? k : m) * lda).map { Float(($0 * 37 % 101) - 50) / 37 }
        let b = (0..<(transB ? n : k) * ldb).map { Float(($0 * 53 % 89) - 44) / 29 }
        var c = (0..<m * ldc).map { Float($0 % 7) }
        let before = c
        let engine = DNNLBF16Engine(threads: 2)
        for _ in 0..<2 {
            c = before
            engine.multiply(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 1,
                c: &c, ldc: ldc)
        }
        #expect(engine.failure == nil)
        func bf16(_ v: Float) -> Double { Double(GEMMCheck.roundedToBF16(v)) }
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p], y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += bf16(x) * bf16(y)
                }
                worst = max(worst, abs(Double(c[i * ldc + j]) - (0.5 * sum + Double(before[i * ldc + j]))))
            }
            // Columns past N are untouched.
            for j in n..<ldc { #expect(c[i * ldc + j] == before[i * ldc + j]) }
        }
        #expect(worst <= 1e-3, "worst |c - ref| = \(worst)")
    }
}
