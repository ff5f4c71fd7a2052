/// Training steps (forward + backward + optimizer) at CPU-sized model shapes.
///
/// - `mlp_step` fp32: B=512, D=1024, H=4096 with SGD and AdamW; and the GPT-2-small
///   MLP (D=768, H=3072) at 2048 tokens with AdamW.
/// - `transformer_block_step` fp32 with AdamW: GPT-2-small width (D=768, 12 heads) at
///   4×256 tokens, D=1024 (16 heads) at 2×512 and D=2048 (16 heads) at 1×512.
/// - The pieces as their own microkernels: `layernorm_fwd_bwd`, `softmax_xent_fwd_bwd`
///   (GPT-2's 50304-entry padded vocabulary), `attention_fwd_bwd`, `adamw_update` (the
///   7.1 M parameters of a D=768 block).
/// - Llama-style pieces: `rmsnorm_fwd_bwd`, `swiglu_fwd_bwd`, `rope_fwd_bwd`,
///   `gqa_attention_fwd_bwd` at Llama-3-8B's widths (D=4096, FFN 14336, 32 heads of 128, 8 KV heads),
///   and the whole `llama_block_step` at those widths.
/// - `--quick`: the same kernels at tiny shapes.
/// - `--preset ci`: the same kernels at shapes of ≥ 1 ms a call on 2 cores, for regression gates.
public struct TrainingSuite: Suite {
    public init() {}
    public var name: String { "training" }
    public var summary: String {
        "training steps (forward + backward + optimizer): 2-layer MLP, pre-LN GPT-2 and Llama-style blocks (fp32)"
    }

    public func cases(_ preset: SuitePreset) -> [KernelCase] {
        if preset == .ci {
            return Optimizer.allCases.map { MLPStepSpec.kernelCase(.fp32, b: 64, d: 256, h: 1024, optimizer: $0) }
                + [TransformerBlockSpec.kernelCase(.fp32, b: 2, s: 128, d: 256, heads: 4, optimizer: .adamw)]
                + [
                    MLPStepSpec.kernelCase(.bf16, b: 64, d: 256, h: 1024, optimizer: .adamw),
                    TransformerBlockSpec.kernelCase(.bf16, b: 2, s: 128, d: 256, heads: 4, optimizer: .adamw),
                ]
                + [
                    LayerNormSpec().kernelCase(.fp32, [2048, 768]),
                    SoftmaxCrossEntropySpec().kernelCase(.fp32, [256, 16384]),
                    AttentionSpec().kernelCase(.fp32, [2, 256, 256, 4]),
                    AdamWUpdateSpec().kernelCase(.fp32, [1 << 20]),
                ] + LlamaOps.ci
        }
        if preset == .quick {
            return Optimizer.allCases.map { MLPStepSpec.kernelCase(.fp32, b: 16, d: 32, h: 64, optimizer: $0) }
                + [TransformerBlockSpec.kernelCase(.fp32, b: 2, s: 16, d: 32, heads: 4, optimizer: .adamw)]
                + [
                    MLPStepSpec.kernelCase(.bf16, b: 16, d: 32, h: 64, optimizer: .adamw),
                    TransformerBlockSpec.kernelCase(.bf16, b: 2, s: 16, d: 32, heads: 4, optimizer: .adamw),
                ]
                + [
                    LayerNormSpec().kernelCase(.fp32, [32, 32]), SoftmaxCrossEntropySpec().kernelCase(.fp32, [32, 64]),
                    AttentionSpec().kernelCase(.fp32, [2, 16, 32, 4]), AdamWUpdateSpec().kernelCase(.fp32, [4096]),
                ] + LlamaOps.quick
        }
        return Optimizer.allCases.map { MLPStepSpec.kernelCase(.fp32, b: 512, d: 1024, h: 4096, optimizer: $0) }
            + [MLPStepSpec.kernelCase(.fp32, b: 2048, d: 768, h: 3072, optimizer: .adamw)]
            + [
                TransformerBlockSpec.kernelCase(.fp32, b: 4, s: 256, d: 768, heads: 12, optimizer: .adamw),
                TransformerBlockSpec.kernelCase(.fp32, b: 2, s: 512, d: 1024, heads: 16, optimizer: .adamw),
                TransformerBlockSpec.kernelCase(.fp32, b: 1, s: 512, d: 2048, heads: 16, optimizer: .adamw),
                // The pieces of the D=768 block step, and GPT-2's padded vocabulary.
                LayerNormSpec().kernelCase(.fp32, [1024, 768]),
                SoftmaxCrossEntropySpec().kernelCase(.fp32, [512, 50304]),
                AttentionSpec().kernelCase(.fp32, [4, 256, 768, 12]),
                AdamWUpdateSpec().kernelCase(.fp32, [12 * 768 * 768 + 13 * 768]),
                // Mixed precision (bf16 matmuls, fp32 master weights), as accelerators train: the
                // GPT-2-small block at CPU size, and a D=2048 block at 8×2048 tokens (6.6 TFLOP a
                // call) for the accelerators and hosts fast enough for it (`--max-case-seconds`).
                MLPStepSpec.kernelCase(.bf16, b: 512, d: 1024, h: 4096, optimizer: .sgd),
                TransformerBlockSpec.kernelCase(.bf16, b: 4, s: 256, d: 768, heads: 12, optimizer: .adamw),
                TransformerBlockSpec.kernelCase(.bf16, b: 8, s: 2048, d: 2048, heads: 16, optimizer: .adamw),
            ] + LlamaOps.full
    }

    /// The Llama-style pieces: RMSNorm, the SwiGLU gate, RoPE and grouped-query attention.
    enum LlamaOps {
        /// Llama-3-8B's layer (D=4096, 32 heads of 128 with 8 KV heads, FFN 14336): the norm and
        /// gate at 1024 tokens, RoPE over a 2048-token sequence, attention over 512 tokens (its
        /// cost grows with S², and the suite's time is kept within a quarter of what it was).
        /// The whole block: one Llama-3-8B layer at 128 tokens (its 218 M parameters and
        /// AdamW state take 3.5 GB); in bf16, a D=1024 block at 2×256 tokens that a CPU with bf16
        /// runs in seconds, and the 8B layer at 4096 tokens for the accelerators (a host row
        /// runs it only where `--max-case-seconds` allows: 6.2 TFLOP a call).
        static let full = [
            RMSNormSpec().kernelCase(.fp32, [1024, 4096]), SwiGLUSpec().kernelCase(.fp32, [1024, 14336]),
            RoPESpec().kernelCase(.fp32, [1, 2048, 4096, 32]),
            GQAAttentionSpec().kernelCase(.fp32, [1, 512, 4096, 32, 8]),
            LlamaBlockSpec.kernelCase(
                .fp32, b: 1, s: 128, d: 4096, heads: 32, kvHeads: 8, hidden: 14336, optimizer: .adamw),
            LlamaBlockSpec.kernelCase(
                .bf16, b: 2, s: 256, d: 1024, heads: 16, kvHeads: 4, hidden: 2816, optimizer: .adamw),
            LlamaBlockSpec.kernelCase(
                .bf16, b: 1, s: 4096, d: 4096, heads: 32, kvHeads: 8, hidden: 14336, optimizer: .adamw),
        ]
        static let ci = [
            RMSNormSpec().kernelCase(.fp32, [2048, 768]), SwiGLUSpec().kernelCase(.fp32, [256, 4096]),
            RoPESpec().kernelCase(.fp32, [4, 512, 512, 8]),
            GQAAttentionSpec().kernelCase(.fp32, [1, 256, 256, 8, 2]),
            LlamaBlockSpec.kernelCase(
                .fp32, b: 2, s: 128, d: 256, heads: 8, kvHeads: 2, hidden: 768, optimizer: .adamw),
            LlamaBlockSpec.kernelCase(
                .bf16, b: 2, s: 128, d: 256, heads: 8, kvHeads: 2, hidden: 768, optimizer: .adamw),
        ]
        static let quick = [
            RMSNormSpec().kernelCase(.fp32, [32, 32]), SwiGLUSpec().kernelCase(.fp32, [32, 64]),
            RoPESpec().kernelCase(.fp32, [2, 16, 32, 4]),
            GQAAttentionSpec().kernelCase(.fp32, [2, 16, 32, 4, 2]),
            LlamaBlockSpec.kernelCase(.fp32, b: 2, s: 16, d: 32, heads: 4, kvHeads: 2, hidden: 96, optimizer: .adamw),
            LlamaBlockSpec.kernelCase(.bf16, b: 2, s: 16, d: 32, heads: 4, kvHeads: 2, hidden: 96, optimizer: .adamw),
        ]
    }
}
