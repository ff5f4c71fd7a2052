import BenchCore
import BenchRuntime
import Foundation

/// `gqa_attention_fwd_bwd`: qkv = uniform(`qkv`) [T × (D + 2·D_kv)], dO = uniform(`dout`) [T×D].
/// Each call: RoPE on Q and K (V copied) into the rotated buffer, causal grouped-query attention
/// forward and backward on it, and the backward of RoPE on dQ and dK.
final class PreparedGQAAttention<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase
    let op: CausalAttention<T>
    let pass: AttentionPass<T>
    let rope: RotaryEmbedding<T>
    let engine: any MatrixEngine<T>
    let qkv: AlignedBuffer<T>, rotated: AlignedBuffer<T>, outGradient: AlignedBuffer<T>, out: AlignedBuffer<T>
    let rotatedGradient: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>

    init(_ c: KernelCase, engine: any MatrixEngine<T>) {
        let v = ["B", "S", "D", "heads", "kv_heads"].map { c.integer($0) ?? 1 }
        let (b, s, d, h, kv) = (v[0], v[1], v[2], v[3], v[4])
        op = CausalAttention(batch: b, sequence: s, model: d, heads: h, kvHeads: kv)
        pass = AttentionPass(op, engine: engine)
        rope = RotaryEmbedding(seq: s, heads: h, headDim: d / h, base: RoPESpec.base)
        kernelCase = c
        self.engine = engine
        let (t, w) = (b * s, op.rowWidth)
        qkv = AlignedBuffer(count: t * w, repeating: 0)
        qkv.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "qkv"))
        outGradient = AlignedBuffer(count: t * d, repeating: 0)
        outGradient.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "dout"))
        rotated = AlignedBuffer(count: t * w, repeating: 0)
        rotatedGradient = AlignedBuffer(count: t * w, repeating: .nan)
        out = AlignedBuffer(count: t * d, repeating: .nan)
        qkvGradient = AlignedBuffer(count: t * w, repeating: .nan)
    }

    func run() throws {
        let (t, w, d, dkv) = (op.batch * op.sequence, op.rowWidth, op.model, op.kvHeads * op.headDimension)
        let threads = engine.threads
        rope.apply(qkv.base, rotated.base, tokens: t, inverse: false, threads: threads, heads: op.heads, rowStride: w)
        rope.apply(
            qkv.base + d, rotated.base + d, tokens: t, inverse: false, threads: threads, heads: op.kvHeads,
            rowStride: w)
        for r in 0..<t { (rotated.base + r * w + d + dkv).update(from: qkv.base + r * w + d + dkv, count: dkv) }
        pass.forward(qkv: rotated.base, out: out.base)
        pass.backward(
            qkv: rotated.base, out: out.base, outGradient: outGradient.base, qkvGradient: rotatedGradient.base)
        rope.apply(
            rotatedGradient.base, qkvGradient.base, tokens: t, inverse: true, threads: threads, heads: op.heads,
            rowStride: w)
        rope.apply(
            rotatedGradient.base + d, qkvGradient.base + d, tokens: t, inverse: true, threads: threads,
            heads: op.kvHeads, rowStride: w)
        for r in 0..<t {
            (qkvGradient.base + r * w + d + dkv).update(from: rotatedGradient.base + r * w + d + dkv, count: dkv)
        }
    }
}

extension PreparedGQAAttention: OutputReading {
    /// `out` (T×D) and `dqkv` (T × (D + 2·D_kv)).
    func value(at e: OutputEntry) -> Double {
        switch e.tensor {
        case "out": Double(out.base[e.row * op.model + e.column])
        case "dqkv": Double(qkvGradient.base[e.row * op.rowWidth + e.column])
        default: .nan
        }
    }
}
