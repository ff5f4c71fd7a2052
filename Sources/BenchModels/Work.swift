import BenchCore

/// One piece of a kernel's work, as the performance model sees it.
public enum Work: Equatable, Sendable {
    /// `count` independent matmuls `[m×k]·[k×n]`, each `2·m·n·k` FLOPs.
    case matmul(m: Int, n: Int, k: Int, count: Int)
    /// Element-wise work: `bytes` moved and `flops` of arithmetic on `engine`.
    case stream(bytes: Double, flops: Double, engine: Engine)
    /// One fused (FlashAttention-style) causal attention kernel over `heads` (batch × heads)
    /// sequences of `sequence` tokens and head width `headDimension`: the S×S scores never
    /// leave on-chip memory. `backward` recomputes the scores (5 matmuls against 2 forward).
    case fusedAttention(heads: Int, sequence: Int, headDimension: Int, backward: Bool)

    /// Which element-wise engine a pass runs on (the same CUDA cores on a GPU).
    public enum Engine: Equatable, Sendable {
        /// Normalisations, reductions, residual adds, the optimizer (Neuron VectorEngine).
        case vector
        /// Activations and exponentials (Neuron ScalarEngine).
        case scalar
    }

    /// Splits a validated case into matmuls and element-wise passes, each one kernel launch;
    /// with `fusedAttention`, attention is one fused kernel forward and one backward.
    ///
    /// Training steps: every forward matmul `[m×k]·[k×n]` has two backward matmuls
    /// (`[m×n]·[n×k]` for the input gradient, `[k×m]·[m×n]` for the weight gradient);
    /// element-wise passes move their activations in the case's dtype and the optimizer
    /// moves fp32 parameters and state (mixed precision). Documented in `docs/models.md`.
    public static func decompose(_ c: KernelCase, fusedAttention: Bool = false) -> [Work] {
        let w = Double(c.dtype.byteWidth ?? 4)
        func optimizer(_ parameters: Double, _ opt: Optimizer) -> Work {
            let states = opt == .sgd ? 1.0 : 2.0
            return .stream(bytes: 4 * parameters * (3 + 2 * states), flops: 12 * parameters, engine: .vector)
        }
        switch c.kernel {
        case "gemm":
            let s = GEMMSpec().shape(c)
            return [.matmul(m: s.m, n: s.n, k: s.k, count: 1)]
        case "mlp_step":
            let s = MLPStepSpec().shape(c)
            let (b, d, h) = (Double(s.b), Double(s.d), Double(s.h))
            return withBackward([.matmul(m: s.b, n: s.h, k: s.d, count: 1), .matmul(m: s.b, n: s.d, k: s.h, count: 1)])
                + [
                    .stream(bytes: 3 * b * h * w, flops: 20 * b * h, engine: .scalar),  // bias + GELU
                    .stream(bytes: 4 * b * d * w, flops: 5 * b * d, engine: .vector),  // bias + loss + dout
                    .stream(bytes: (b * d + b * h) * w, flops: b * d + b * h, engine: .vector),  // bias gradients
                    .stream(bytes: 3 * b * h * w, flops: 25 * b * h, engine: .scalar),  // GELU backward
                    optimizer(2 * d * h + d + h, s.optimizer),
                ]
        case "transformer_block_step":
            let s = TransformerBlockSpec().shape(c)
            let (t, d, seq, heads, dh) = (s.tokens, s.model, s.sequence, s.heads, s.headDimension)
            let td = Double(t * d)
            let projections: [Work] = [
                .matmul(m: t, n: 3 * d, k: d, count: 1), .matmul(m: t, n: d, k: d, count: 1),
                .matmul(m: t, n: 4 * d, k: d, count: 1), .matmul(m: t, n: d, k: 4 * d, count: 1),
            ]
            let dd = Double(d)
            return withBackward(projections)
                + attention(batch: s.batch, sequence: seq, heads: heads, headDimension: dh, width: w, fusedAttention)
                + [
                    .stream(bytes: 2 * 2 * td * w, flops: 2 * 8 * td, engine: .vector),  // LayerNorm ×2 forward
                    .stream(bytes: 2 * 4 * td * w, flops: 2 * 10 * td, engine: .vector),  // LayerNorm ×2 backward
                    .stream(bytes: 3 * 4 * td * w, flops: 20 * 4 * td, engine: .scalar),  // bias + GELU
                    .stream(bytes: 3 * 4 * td * w, flops: 25 * 4 * td, engine: .scalar),  // GELU backward
                    .stream(bytes: 4 * 3 * td * w, flops: 4 * td, engine: .vector),  // residuals, bias adds, loss
                    optimizer(12 * dd * dd + 13 * dd, s.optimizer),
                ]
        case "llama_block_step":
            let s = LlamaBlockSpec().shape(c)
            let (t, d, h) = (s.tokens, s.model, s.hidden)
            let (td, th) = (Double(t * d), Double(t * h))
            let projections: [Work] = [
                .matmul(m: t, n: s.qkvWidth, k: d, count: 1), .matmul(m: t, n: d, k: d, count: 1),
                .matmul(m: t, n: h, k: d, count: 1), .matmul(m: t, n: h, k: d, count: 1),
                .matmul(m: t, n: d, k: h, count: 1),
            ]
            return withBackward(projections)
                + attention(
                    batch: s.batch, sequence: s.sequence, heads: s.heads, headDimension: s.headDimension, width: w,
                    fusedAttention)
                + [
                    .stream(bytes: 2 * 2 * td * w, flops: 2 * 4 * td, engine: .vector),  // RMSNorm ×2 forward
                    .stream(bytes: 2 * 4 * td * w, flops: 2 * 7 * td, engine: .vector),  // RMSNorm ×2 backward
                    .stream(
                        bytes: 2 * 2 * Double(t * (d + s.kvWidth)) * w, flops: 2 * 3 * Double(t * (d + s.kvWidth)),
                        engine: .vector),  // RoPE on Q and K, forward and backward
                    .stream(bytes: 3 * th * w, flops: 8 * th, engine: .scalar),  // SwiGLU forward (the sigmoid)
                    .stream(bytes: 5 * th * w, flops: 12 * th, engine: .scalar),  // SwiGLU backward
                    .stream(bytes: 4 * 3 * td * w, flops: 4 * td, engine: .vector),  // residuals, loss
                    optimizer(Double(s.parameters), s.optimizer),
                ]
        case "attention_fwd_bwd", "gqa_attention_fwd_bwd":
            // Grouped-query attention does the same per-head matmuls (shared K and V heads).
            let v = c.parameters.map { Int($0.value) ?? 0 }
            let (b, seq, d, heads) = (v[0], v[1], v[2], v[3])
            return attention(batch: b, sequence: seq, heads: heads, headDimension: d / heads, width: w, fusedAttention)
        default:
            guard let spec = KernelRegistry.builtIn.spec(named: c.kernel) else { return [] }
            // Exponentials (softmax, SwiGLU's sigmoid) run on the activation engine.
            let engine: Engine = ["softmax_xent_fwd_bwd", "swiglu_fwd_bwd"].contains(c.kernel) ? .scalar : .vector
            return [.stream(bytes: spec.bytes(c), flops: spec.flops(c), engine: engine)]
        }
    }

    /// The piece with `copies` independent copies done in the same launch.
    public func batched(_ copies: Int) -> Work {
        guard copies > 1 else { return self }
        let c = Double(copies)
        switch self {
        case .matmul(let m, let n, let k, let count): return .matmul(m: m, n: n, k: k, count: count * copies)
        case .stream(let bytes, let flops, let engine):
            return .stream(bytes: bytes * c, flops: flops * c, engine: engine)
        case .fusedAttention(let heads, let seq, let dh, let backward):
            return .fusedAttention(heads: heads * copies, sequence: seq, headDimension: dh, backward: backward)
        }
    }

    /// Every forward matmul `[m×k]·[k×n]` followed by its two backward matmuls.
    public static func withBackward(_ forward: [Work]) -> [Work] {
        forward
            + forward.flatMap { f -> [Work] in
                guard case .matmul(let m, let n, let k, let count) = f else { return [] }
                return [.matmul(m: m, n: k, k: n, count: count), .matmul(m: k, n: n, k: m, count: count)]
            }
    }

    /// Causal attention forward and backward: fused (two kernels), or unfused (per-head
    /// matmuls for scores and values with their backward, and the S×S probabilities streamed
    /// through memory by softmax forward and backward).
    public static func attention(
        batch: Int, sequence seq: Int, heads: Int, headDimension dh: Int, width w: Double, _ fused: Bool
    )
        -> [Work]
    {
        let bh = batch * heads
        if fused {
            return [
                .fusedAttention(heads: bh, sequence: seq, headDimension: dh, backward: false),
                .fusedAttention(heads: bh, sequence: seq, headDimension: dh, backward: true),
            ]
        }
        let probs = Double(bh) * Double(seq) * Double(seq)
        return withBackward([.matmul(m: seq, n: seq, k: dh, count: bh), .matmul(m: seq, n: dh, k: seq, count: bh)]) + [
            .stream(bytes: 2 * probs * w, flops: 5 * probs, engine: .scalar),  // softmax forward
            .stream(bytes: 3 * probs * w, flops: 4 * probs, engine: .scalar),  // softmax backward
        ]
    }
}
