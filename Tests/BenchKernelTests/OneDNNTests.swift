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

    @Test("fp32 training kernels verify with dnnl_sgemm for their matmuls; fp64 and bf16 steps say why not")
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
        let bf16 = try KernelRegistry.builtIn.validatedCase("mlp_step/bf16/B=16,D=32,H=64,opt=adamw")
        #expect(backend.unsupportedReason(for: bf16)?.contains("bf16 training steps") == true)
    }
}
