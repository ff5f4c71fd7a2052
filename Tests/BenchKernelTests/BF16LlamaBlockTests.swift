import BenchCore
import BenchSwiftKernels
import BenchTraining
import Testing

/// cpu-swift's mixed-precision Llama block (bf16 projections, fp32 attention and element-wise
/// work) and its stage-by-stage check.
@Suite("cpu-swift bf16 llama_block_step")
struct BF16LlamaBlockTests {
    static let flags = HostProbe.cpuInfo().flags
    static let paths = BF16Path.available(cpuFlags: flags)
    static let id = "llama_block_step/bf16/B=2,S=64,D=256,heads=4,kv_heads=2,H=512,opt=adamw"
    /// Checked: the stages at positions 0, 1, 2, 7, 36 of the last sequence (five of width D = 256,
    /// qkv, gate, up and activation of width 512) and RoPE (`rotated`, 512) at the 37 positions
    /// up to 36.
    static let entries = 5 * (5 * 256 + 4 * 512) + 37 * 512

    @Test("bf16 llama_block_step verifies every stage on each path and attention algorithm, and stays finite")
    func verifies() throws {
        let kc = try KernelRegistry.builtIn.validatedCase(Self.id)
        for path in Self.paths {
            for (attention, threads) in [(AttentionAlgorithm.flash, 2), (.materialized, 1)] {
                let backend = SwiftBackend(
                    cpuModel: "test", cpuFlags: Self.flags, bf16Kernel: path.rawValue, attention: attention)
                #expect(backend.unsupportedReason(for: kc) == nil)
                let prepared = try backend.prepare(kc, threads: threads)
                try prepared.run()
                let first = prepared.verify()
                #expect(first.passed, "\(path.rawValue) \(attention): \(first.detail)")
                #expect(first.checkedEntries == Self.entries)
                for _ in 0..<2 { try prepared.run() }
                #expect(prepared.verify().passed, "\(path.rawValue) after 3 steps: \(prepared.verify().detail)")
            }
        }
    }

    /// Runs where the CPU has no bf16 path too: the rule needs no bf16 hardware.
    @Test("an fp32 engine claiming bf16 fails the stage check by far: its projections skip the rounding")
    func fp32EngineFails() throws {
        let kc = try KernelRegistry.builtIn.validatedCase(Self.id)
        let prepared = PreparedLlamaBlock<Float>(kc, engine: GEMMKernel<Float>(threads: 1))
        try prepared.run()
        let v = prepared.verify()
        #expect(!v.passed)
        #expect(v.worstErrorRatio > 10, "\(v.detail)")
        #expect(v.detail.hasPrefix("qkv["), "the first stage after the first rounding: \(v.detail)")
    }

    @Test("one wrong value in any stage fails the check, and a missing row is named")
    func wrongValueFails() throws {
        guard let path = Self.paths.first else { return }
        let kc = try KernelRegistry.builtIn.validatedCase(Self.id)
        let prepared = PreparedLlamaBlock<Float>(kc, engine: BF16MatrixEngine(path: path, threads: 1))
        try prepared.run()
        let entries = PreparedLlamaBlock<Float>.verificationEntries(kc)
        let values = entries.map(prepared.value(at:))
        #expect(PreparedLlamaBlock<Float>.checkFirstForward(kc, entries: entries, values: values).passed)
        for stage in ["xn1", "qkv", "rotated", "attention", "r1", "xn2", "gate", "up", "activation", "out"] {
            var bad = values
            let i = try #require(entries.lastIndex { $0.tensor == stage })
            bad[i] += 1e-3 * max(1, abs(bad[i]))
            let v = PreparedLlamaBlock<Float>.checkFirstForward(kc, entries: entries, values: bad)
            #expect(!v.passed, "\(stage)")
        }
        let partial = Array(entries.filter { $0.tensor != "attention" })
        let v = PreparedLlamaBlock<Float>.checkFirstForward(
            kc, entries: partial, values: partial.map(prepared.value(at:)))
        #expect(!v.passed && v.detail.contains("needs attention row"), "\(v.detail)")
    }

    static let gpt2 = "transformer_block_step/bf16/B=2,S=64,D=128,heads=4,opt=adamw"

    @Test("bf16 transformer_block_step verifies every stage on each path, and an fp32 engine fails it")
    func gpt2Block() throws {
        let kc = try KernelRegistry.builtIn.validatedCase(Self.gpt2)
        for path in Self.paths {
            let prepared = try SwiftBackend(cpuModel: "test", cpuFlags: Self.flags, bf16Kernel: path.rawValue)
                .prepare(kc, threads: 2)
            try prepared.run()
            let first = prepared.verify()
            #expect(first.passed, "\(path.rawValue): \(first.detail)")
            // x1, attention, r1, x2, out (128) and qkv, hidden, activation (384, 512, 512) at 5 rows.
            #expect(first.checkedEntries == 5 * (5 * 128 + 384 + 2 * 512))
        }
        let fp32 = PreparedTransformerBlock<Float>(kc, engine: GEMMKernel<Float>(threads: 1))
        try fp32.run()
        let v = fp32.verify()
        #expect(!v.passed && v.worstErrorRatio > 10, "\(v.detail)")
        #expect(v.detail.hasPrefix("qkv["), "\(v.detail)")
    }
}
