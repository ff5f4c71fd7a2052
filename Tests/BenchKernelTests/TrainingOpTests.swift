import BenchBLAS
import BenchCore
import BenchSwiftKernels
import BenchTraining
import Testing

@Suite("Training microkernels")
struct TrainingOpTests {
    static let ids = [
        "layernorm_fwd_bwd/DT/T=7,D=33", "softmax_xent_fwd_bwd/DT/T=5,V=97",
        "attention_fwd_bwd/DT/B=2,S=11,D=12,heads=3",
        // Rows past 16 and 64 entries: the vector and masked-tail paths of the causal softmax.
        "attention_fwd_bwd/DT/B=1,S=100,D=8,heads=2",
        "adamw_update/DT/N=1001", "mlp_step/DT/B=5,D=7,H=9,opt=adamw",
        "transformer_block_step/DT/B=2,S=9,D=12,heads=3,opt=sgd",
        "rmsnorm_fwd_bwd/DT/T=7,D=33", "swiglu_fwd_bwd/DT/T=5,H=37", "rope_fwd_bwd/DT/B=2,S=11,D=12,heads=3",
        "gqa_attention_fwd_bwd/DT/B=2,S=11,D=16,heads=4,kv_heads=2",
        "gqa_attention_fwd_bwd/DT/B=1,S=100,D=16,heads=2,kv_heads=1",
        // Head dimension 48: the flash kernel's 2-vector and (fp32 on AVX-512) 1-vector column
        // paths, where dh = 4 and 8 above take the scalar one; S=113 ends in partial query (48)
        // and key (64) tiles.
        "gqa_attention_fwd_bwd/DT/B=2,S=113,D=96,heads=2,kv_heads=1",
    ]

    @Test(
        "every training kernel verifies after its first and its fifth call on both backends (cpu-swift with flash and with materialised attention)",
        arguments: ids, ["fp32", "fp64"])
    func verifies(template: String, dtype: String) throws {
        let kc = try KernelRegistry.builtIn.validatedCase(template.replacingOccurrences(of: "DT", with: dtype))
        let backends: [any Backend] = [
            BLASBackend(cpuModel: "test"), SwiftBackend(cpuModel: "test"),
            SwiftBackend(cpuModel: "test", attention: .materialized),
        ]
        for backend in backends {
            #expect(backend.unsupportedReason(for: kc) == nil)
            let prepared = try backend.prepare(kc, threads: 2)
            try prepared.run()
            let first = prepared.verify()
            #expect(first.passed, "\(kc.id) on \(backend.id): \(first.detail)")
            for _ in 0..<4 { try prepared.run() }
            let later = prepared.verify()
            #expect(later.passed, "\(kc.id) on \(backend.id) after 5 calls: \(later.detail)")
        }
    }

    @Test("the training suite's case ids are valid and unique, --quick included")
    func suiteCases() throws {
        let all = TrainingSuite().cases(quick: false) + TrainingSuite().cases(quick: true)
        for c in all { #expect(try KernelRegistry.builtIn.validatedCase(c.id) == c) }
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(all.contains { $0.id == "transformer_block_step/fp32/B=4,S=256,D=768,heads=12,opt=adamw" })
        #expect(all.contains { $0.id == "mlp_step/fp32/B=512,D=1024,H=4096,opt=sgd" })
    }

    @Test("FLOP accounting follows docs/training-kernels.md")
    func flops() throws {
        let block = try KernelRegistry.builtIn.validatedCase(
            "transformer_block_step/fp32/B=4,S=256,D=768,heads=12,opt=adamw")
        let (t, d, s) = (1024.0, 768.0, 256.0)
        #expect(TransformerBlockSpec().flops(block) == 3 * (24 * t * d * d + 4 * t * s * d))
        #expect(TransformerBlockSpec().tokensPerStep(block) == 1024)
        let mlp = try KernelRegistry.builtIn.validatedCase("mlp_step/fp32/B=512,D=1024,H=4096,opt=sgd")
        #expect(MLPStepSpec().flops(mlp) == 12 * 512 * 1024 * 4096)
        // bytes: 4·(2·B·D + P·(2 + 2·1)), P = 2DH + D + H
        let p = 2.0 * 1024 * 4096 + 1024 + 4096
        #expect(MLPStepSpec().bytes(mlp) == 4 * (2 * 512 * 1024 + p * 4))
        let attention = try KernelRegistry.builtIn.validatedCase("attention_fwd_bwd/fp32/B=4,S=256,D=768,heads=12")
        #expect(AttentionSpec().flops(attention) == 12 * t * s * d)
        let adam = try KernelRegistry.builtIn.validatedCase("adamw_update/fp64/N=10")
        #expect(AdamWUpdateSpec().bytes(adam) == 7 * 10 * 8)
    }
}
