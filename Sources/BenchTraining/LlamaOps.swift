import BenchCore
import BenchRuntime

/// The Llama-style op kernels on plain fp64 arrays, through the same code the backends run:
/// for gradient checks against finite differences (tests), not for timing.
public enum LlamaOps {
    /// RMSNorm over `rows` rows of `cols`: `y`, and `dx`, `dγ` from `dy`.
    public static func rmsNorm(x: [Double], gamma: [Double], dy: [Double], rows: Int, cols: Int) -> (
        y: [Double], dx: [Double], dGamma: [Double]
    ) {
        var (y, dx, dGamma, rstd) = (
            [Double](repeating: 0, count: rows * cols), [Double](repeating: 0, count: rows * cols),
            [Double](repeating: 0, count: cols), [Double](repeating: 0, count: rows)
        )
        Normalization.rmsNormForward(x, gamma: gamma, y: &y, rstd: &rstd, rows: rows, cols: cols, threads: 1)
        Normalization.rmsNormBackward(
            dy, x: x, rstd: rstd, gamma: gamma, dx: &dx, accumulate: false, dGamma: &dGamma, rows: rows, cols: cols,
            threads: 1)
        return (y, dx, dGamma)
    }

    /// SwiGLU, `y = silu(a)·b`, and `da`, `db` from `dy` (any matching lengths).
    public static func swiGLU(a: [Double], b: [Double], dy: [Double]) -> (y: [Double], da: [Double], db: [Double]) {
        var (y, da, db) = (
            [Double](repeating: 0, count: a.count), [Double](repeating: 0, count: a.count),
            [Double](repeating: 0, count: a.count)
        )
        Elementwise.swiGLUForward(a: a, b: b, y: &y, rows: 1, cols: a.count, threads: 1)
        Elementwise.swiGLUBackward(a: a, b: b, dy: dy, da: &da, db: &db, rows: 1, cols: a.count, threads: 1)
        return (y, da, db)
    }

    /// RoPE on `batch · seq` tokens of `heads × headDim` (Llama 3's base): `y`, and `dx` from `dy`.
    public static func rope(x: [Double], dy: [Double], batch: Int, seq: Int, heads: Int, headDim: Int) -> (
        y: [Double], dx: [Double]
    ) {
        let rope = RotaryEmbedding<Double>(seq: seq, heads: heads, headDim: headDim, base: RoPESpec.base)
        var (y, dx) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: x.count))
        rope.apply(x, &y, tokens: batch * seq, inverse: false, threads: 1)
        rope.apply(dy, &dx, tokens: batch * seq, inverse: true, threads: 1)
        return (y, dx)
    }

    /// Grouped-query attention with RoPE (`gqa_attention_fwd_bwd`'s call) on the given packed
    /// `qkv` (T × (D + 2·D_kv)) and `dO` (T×D), matmuls on `engine`: `out` and `dqkv`.
    public static func gqaAttention(
        qkv: [Double], dout: [Double], batch: Int, seq: Int, model: Int, heads: Int, kvHeads: Int,
        engine: any MatrixEngine<Double>
    ) throws -> (out: [Double], dqkv: [Double]) {
        let c = try KernelRegistry.builtIn.validatedCase(
            "gqa_attention_fwd_bwd/fp64/B=\(batch),S=\(seq),D=\(model),heads=\(heads),kv_heads=\(kvHeads)")
        let prepared = PreparedGQAAttention<Double>(c, engine: engine)
        prepared.qkv.base.update(from: qkv, count: min(qkv.count, prepared.qkv.pointer.count))
        prepared.outGradient.base.update(from: dout, count: min(dout.count, prepared.outGradient.pointer.count))
        try prepared.run()
        return (Array(prepared.out.pointer), Array(prepared.qkvGradient.pointer))
    }
}
