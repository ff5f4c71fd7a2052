import BenchCore

/// A decoder (or encoder) transformer's architecture: what `bench project` trains
/// (docs/project.md#models). Either a sourced preset (`Resources/models.json`) or read from a
/// Hugging Face `config.json`.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// The MLP's activation: a GELU MLP (two matrices) or SwiGLU (gate, up and down).
    public enum Activation: String, Codable, Sendable { case gelu, swiglu }
    /// The block's normalisation.
    public enum Norm: String, Codable, Sendable { case layernorm, rmsnorm }

    public var name: String
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    /// The MLP's intermediate width (each of gate and up for SwiGLU).
    public var ffn: Int
    public var vocab: Int
    /// The training sequence length the source states (`--seq` overrides it).
    public var seq: Int
    public var tiedEmbeddings: Bool
    public var activation: Activation
    public var norm: Norm
    /// `learned`, `rope` or `alibi`: learned positions add `seq·hidden` parameters.
    public var position: String
    /// Causal (decoder) attention; BERT's is bidirectional.
    public var causal: Bool
    /// The published global batch in tokens, when a source states it.
    public var globalBatchTokens: Double?
    public var source: String?
    public var quote: String?
    public var notes: [String]?

    public init(
        name: String, hidden: Int, layers: Int, heads: Int, kvHeads: Int, ffn: Int, vocab: Int, seq: Int,
        tiedEmbeddings: Bool, activation: Activation, norm: Norm, position: String, causal: Bool = true,
        globalBatchTokens: Double? = nil, source: String? = nil
    ) {
        (self.name, self.hidden, self.layers, self.heads, self.kvHeads) = (name, hidden, layers, heads, kvHeads)
        (self.ffn, self.vocab, self.seq, self.tiedEmbeddings) = (ffn, vocab, seq, tiedEmbeddings)
        (self.activation, self.norm, self.position, self.causal) = (activation, norm, position, causal)
        (self.globalBatchTokens, self.source) = (globalBatchTokens, source)
    }

    enum CodingKeys: String, CodingKey {
        case name, hidden, layers, heads, kvHeads = "kv_heads", ffn, vocab, seq
        case tiedEmbeddings = "tied_embeddings", activation, norm, position, causal
        case globalBatchTokens = "global_batch_tokens", source, quote, notes
    }

    /// The global batch when no source states one: 4 Mi tokens (docs/project.md#batch).
    public static let defaultGlobalBatchTokens = 4_194_304.0

    public var headDimension: Int { hidden / heads }
    /// The width of K and of V: `kv_heads · head dimension`.
    public var kvWidth: Int { kvHeads * headDimension }
    /// The packed QKV projection's output width.
    public var qkvWidth: Int { hidden + 2 * kvWidth }
    /// Matrices of the MLP: 3 for SwiGLU, 2 for GELU.
    public var mlpMatrices: Int { activation == .swiglu ? 3 : 2 }

    /// Parameters of one block: QKV, output projection, the MLP's matrices, the norms
    /// (γ, and β for LayerNorm) and, for the GELU (GPT-2-style) blocks, the biases.
    public var layerParameters: Double {
        let (h, f) = (Double(hidden), Double(ffn))
        let matrices = h * Double(qkvWidth) + h * h + Double(mlpMatrices) * h * f
        let norms = (norm == .layernorm ? 4 : 2) * h
        let biases = activation == .gelu ? Double(qkvWidth) + h + f + h : 0
        return matrices + norms + biases
    }

    /// The token embedding (and learned positions); the LM head shares it when tied.
    public var embeddingParameters: Double {
        Double(vocab) * Double(hidden) + (position == "learned" ? Double(seq) * Double(hidden) : 0)
    }

    /// All parameters: blocks, embeddings, the untied LM head and the final norm.
    public var parameters: Double {
        Double(layers) * layerParameters + embeddingParameters
            + (tiedEmbeddings ? 0 : Double(vocab) * Double(hidden)) + Double(hidden)
    }

    /// Model FLOPs per token at sequence length `s`, as the suites count them
    /// (docs/flops.md): forward `2·D·(D + 2·D_kv) + 2·D² + 2·m·D·F + 4·S·D` per block
    /// (m = the MLP's matrices; scores and values over the full S×S) plus the LM head's
    /// `2·D·V`; backward twice the forward. Recompute is not counted (model FLOPs, not
    /// hardware FLOPs).
    public func flopsPerToken(sequence s: Int) -> Double {
        let (h, f) = (Double(hidden), Double(ffn))
        let block = 2 * h * Double(qkvWidth) + 2 * h * h + 2 * Double(mlpMatrices) * h * f + 4 * Double(s) * h
        return 3 * (Double(layers) * block + 2 * h * Double(vocab))
    }

    /// The first shape problem, as one line, or `nil` when the architecture is usable.
    public var problem: String? {
        let fields = [
            ("hidden", hidden), ("layers", layers), ("heads", heads), ("kv_heads", kvHeads), ("ffn", ffn),
            ("vocab", vocab), ("seq", seq),
        ]
        for (n, v) in fields where v <= 0 || v > 1 << 24 { return "\(n)=\(v) must be in 1...\(1 << 24)" }
        if hidden % heads != 0 { return "heads=\(heads) does not divide hidden=\(hidden)" }
        if kvHeads > heads || heads % kvHeads != 0 { return "kv_heads=\(kvHeads) does not divide heads=\(heads)" }
        if position == "rope" && headDimension % 2 != 0 {
            return "the head dimension \(headDimension) is odd; RoPE rotates pairs"
        }
        if !["learned", "rope", "alibi"].contains(position) {
            return "unknown position '\(position)' (valid: learned, rope, alibi)"
        }
        return nil
    }
}
