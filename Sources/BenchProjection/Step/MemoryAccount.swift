/// What one rank holds at the peak of a step, in bytes (docs/project.md#memory).
///
/// Mixed-precision training with Adam (Rajbhandari et al., "ZeRO: Memory Optimizations
/// Toward Training Trillion Parameter Models", 2020, §3.1): 2 bytes of bf16 weights, 2 of
/// bf16 gradients and 12 of fp32 master weights and two moments per parameter. ZeRO-1
/// shards the 12 over the data-parallel group, ZeRO-2 the gradients too, ZeRO-3 the weights.
/// Activations follow Korthikanti et al., "Reducing Activation Recomputation in Large
/// Transformer Models" (2022), §4, with fused attention (no S×S scores kept).
public struct MemoryAccount: Sendable, Equatable {
    public var weights: Double
    public var gradients: Double
    public var optimizer: Double
    public var activations: Double
    /// The LM head's fp32 logits and their gradient on the last stage.
    public var logits: Double

    public var total: Double { weights + gradients + optimizer + activations + logits }

    /// Parameters on the rank holding the most: its stage's blocks split `tp` ways, plus the
    /// embedding (and, untied or with one stage, the LM head) split `tp` ways.
    public static func parametersPerRank(_ m: ModelConfig, _ l: ParallelLayout) -> Double {
        let blocks = Double((m.layers + l.pp - 1) / l.pp) * m.layerParameters / Double(l.tp)
        let copies = l.pp == 1 && !m.tiedEmbeddings ? 2.0 : 1.0
        return blocks + copies * m.embeddingParameters / Double(l.tp)
    }

    /// Activation bytes one block keeps per token for backward, in bf16 (2 bytes), per rank.
    ///
    /// Korthikanti et al.'s count without dropout (off in every model bench presets) and
    /// without the S×S terms (fused attention): the two norms' inputs and the inputs of the QKV
    /// and MLP projections (`8·D`), Q, K and V (`2·D + 4·D_kv`), the attention output (`2·D`)
    /// and the MLP's intermediate activations (`6·F` for SwiGLU: gate, up and their product;
    /// `4·F` for GELU: its input and output). For a GPT-style block that is `32·D` per token.
    /// With tensor parallelism, sequence parallelism is assumed (Megatron's `--sequence-parallel`,
    /// torchtitan and NeMo with TP): every term is split `tp` ways.
    public static func activationBytesPerToken(_ m: ModelConfig, tp: Int) -> Double {
        let (h, f) = (Double(m.hidden), Double(m.ffn))
        let kv = Double(max(1, m.kvHeads / tp) * m.headDimension) * Double(tp)
        let total = 8 * h + 4 * h + 4 * kv + (m.activation == .swiglu ? 6 : 4) * f
        return total / Double(tp)
    }

    /// The account for one rank of `l`, training on micro-batches of `tokens` tokens with
    /// `inFlight` micro-batches stored on the first stage (1F1B: min(pp, micro-batches)).
    public static func of(_ m: ModelConfig, _ l: ParallelLayout, tokens: Int, inFlight: Int) -> MemoryAccount {
        let p = parametersPerRank(m, l)
        let shard = Double(l.dp * l.cp)
        let layers = Double((m.layers + l.pp - 1) / l.pp)
        let perToken = activationBytesPerToken(m, tp: l.tp)
        let activations: Double
        switch l.recompute {
        case .none: activations = layers * Double(inFlight) * Double(tokens) * perToken
        case .full:
            // Each block's input (sequence-parallel: split tp ways) for every micro-batch in
            // flight, and one block's full set while it is recomputed.
            activations = (layers * Double(inFlight) * 2 * Double(m.hidden) / Double(l.tp) + perToken) * Double(tokens)
        }
        let vocabShard = Double((m.vocab + l.tp - 1) / l.tp)
        return MemoryAccount(
            weights: 2 * p / (l.zero >= 3 ? shard : 1),
            gradients: 2 * p / (l.zero >= 2 ? shard : 1),
            optimizer: 12 * p / (l.zero >= 1 ? shard : 1),
            activations: activations,
            logits: 8 * Double(tokens) * vocabShard)
    }
}
