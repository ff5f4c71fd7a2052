import BenchModels

/// One rank's share of a block's work and of the LM head's, as the device model's pieces
/// (docs/project.md#the-step): the same decomposition as the suites' `llama_block_step` and
/// `transformer_block_step` (`Work.decompose`), at the tensor-parallel shard's widths.
public struct BlockWork: Sendable {
    public var forward: [Work]
    public var backward: [Work]

    /// One block on `tokens = batch·sequence/cp` tokens, its heads, KV heads and MLP split
    /// `tp` ways (KV heads replicated where tp is above them); `width` bytes per activation.
    public static func block(
        _ m: ModelConfig, tp: Int, cp: Int, batch: Int, sequence: Int, width w: Double, fusedAttention: Bool
    ) -> BlockWork {
        let t = batch * sequence / cp
        let (h, hd) = (m.hidden, m.headDimension)
        let headsPerRank = m.heads / tp
        let kvPerRank = max(1, m.kvHeads / tp) * hd
        let qkv = h / tp + 2 * kvPerRank
        let f = m.ffn / tp
        var projections: [Work] = [.matmul(m: t, n: qkv, k: h, count: 1), .matmul(m: t, n: h, k: h / tp, count: 1)]
        if m.activation == .swiglu {
            projections += [
                .matmul(m: t, n: f, k: h, count: 1), .matmul(m: t, n: f, k: h, count: 1),
                .matmul(m: t, n: h, k: f, count: 1),
            ]
        } else {
            projections += [.matmul(m: t, n: f, k: h, count: 1), .matmul(m: t, n: h, k: f, count: 1)]
        }
        let backwardMatmuls = Work.withBackward(projections).dropFirst(projections.count)
        // Context parallel: each rank's S/cp queries against all S keys (cp·(S/cp)² = S²/cp);
        // bidirectional attention (BERT) computes every block: twice the causal work.
        let attention = Work.attention(
            batch: batch * cp * (m.causal ? 1 : 2), sequence: sequence / cp, heads: headsPerRank, headDimension: hd,
            width: w, fusedAttention)
        let (attentionForward, attentionBackward) =
            fusedAttention
            ? (Array(attention.prefix(1)), Array(attention.suffix(1)))
            : ([attention[0], attention[1], attention[6]], Array(attention[2..<6]) + [attention[7]])
        let (td, tf) = (Double(t * h), Double(t * f))
        let rotated = Double(t * (h / tp + kvPerRank))
        let normFlops = m.norm == .rmsnorm ? (4.0, 7.0) : (8.0, 10.0)
        var forward = projections + attentionForward
        forward.append(.stream(bytes: 2 * 2 * td * w, flops: 2 * normFlops.0 * td, engine: .vector))
        forward.append(.stream(bytes: 4 * 3 * td * w / 2, flops: 2 * td, engine: .vector))  // residuals
        var backward = Array(backwardMatmuls) + attentionBackward
        backward.append(.stream(bytes: 2 * 4 * td * w, flops: 2 * normFlops.1 * td, engine: .vector))
        backward.append(.stream(bytes: 4 * 3 * td * w / 2, flops: 2 * td, engine: .vector))
        if m.activation == .swiglu {
            forward.append(.stream(bytes: 3 * tf * w, flops: 8 * tf, engine: .scalar))
            backward.append(.stream(bytes: 5 * tf * w, flops: 12 * tf, engine: .scalar))
        } else {
            forward.append(.stream(bytes: 3 * tf * w, flops: 20 * tf, engine: .scalar))  // bias + GELU
            backward.append(.stream(bytes: 3 * tf * w, flops: 25 * tf, engine: .scalar))
            backward.append(.stream(bytes: (td + tf) * w, flops: td + tf, engine: .vector))  // bias gradients
        }
        if m.position == "rope" {
            forward.append(.stream(bytes: 2 * rotated * w, flops: 3 * rotated, engine: .vector))
            backward.append(.stream(bytes: 2 * rotated * w, flops: 3 * rotated, engine: .vector))
        }
        return BlockWork(forward: forward, backward: backward)
    }

    /// The last stage's extra work: the final norm, the LM head (vocabulary split `tp` ways)
    /// and the softmax cross-entropy in fp32; and the first stage's embedding lookup and its
    /// gradient (`embedding`).
    public static func head(_ m: ModelConfig, tp: Int, tokens t: Int, width w: Double) -> (
        head: BlockWork, embedding: BlockWork
    ) {
        let v = (m.vocab + tp - 1) / tp
        let lm: [Work] = [.matmul(m: t, n: v, k: m.hidden, count: 1)]
        let (td, tv) = (Double(t * m.hidden), Double(t) * Double(v))
        let head = BlockWork(
            forward: lm + [
                .stream(bytes: 2 * td * w, flops: 4 * td, engine: .vector),
                .stream(bytes: 2 * 4 * tv, flops: 5 * tv, engine: .scalar),
            ],
            backward: Array(Work.withBackward(lm).dropFirst()) + [
                .stream(bytes: 2 * 4 * tv, flops: 2 * tv, engine: .scalar),
                .stream(bytes: 4 * td * w, flops: 7 * td, engine: .vector),
            ])
        let embedding = BlockWork(
            forward: [.stream(bytes: 2 * td * w, flops: 0, engine: .vector)],
            backward: [.stream(bytes: 3 * td * w, flops: td, engine: .vector)])
        return (head, embedding)
    }

    /// AdamW over `parameters` (fp32 master weights, two fp32 moments, the fp32 gradient read,
    /// the bf16 copy written: 30 bytes and 12 FLOPs per parameter).
    public static func optimizer(parameters p: Double) -> [Work] {
        [.stream(bytes: 30 * p, flops: 12 * p, engine: .vector)]
    }
}
