/// The per-op microkernels of a Llama-style block (Llama 2/3, Mistral, Qwen): RMSNorm, the
/// SwiGLU gate and rotary position embeddings, forward and backward. FLOPs count the
/// element-wise arithmetic as the other op kernels do (exp and division count as one). Exact
/// definitions: `docs/training-kernels.md`.

/// `rmsnorm_fwd_bwd/<dtype>/T=…,D=…`: RMSNorm forward and backward over T rows of D,
/// `y = x·rstd·γ` with `rstd = 1/√(mean(x²) + ε)`, ε = 1e-5 (Llama 2 and 3).
public struct RMSNormSpec: OpKernelSpec {
    public init() {}
    public var name: String { "rmsnorm_fwd_bwd" }
    public var parameterNames: [String] { ["T", "D"] }
    var limits: [Int] { [1 << 22, 1 << 16] }
    /// Forward 4 per element (square and sum, scale by rstd and γ); backward 9 (x̂, dy·γ, the
    /// row's Σ g·x̂, dx, dγ).
    public func flops(_ c: KernelCase) -> Double { let v = dims(c); return 13 * Double(v[0] * v[1]) }
    /// Read x, dy, γ; write y, dx, dγ.
    public func bytes(_ c: KernelCase) -> Double {
        let v = dims(c); return Double(width(c) * (4 * v[0] * v[1] + 2 * v[1]))
    }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c); return width(c) * (4 * v[0] * v[1] + 2 * v[1] + v[0])
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] }
}

/// `swiglu_fwd_bwd/<dtype>/T=…,H=…`: the SwiGLU gate of a T×H hidden layer, forward and
/// backward: `y = silu(a)·b` from the gate and up projections `a`, `b`, and `da`, `db` from `dy`.
public struct SwiGLUSpec: OpKernelSpec {
    public init() {}
    public var name: String { "swiglu_fwd_bwd" }
    public var parameterNames: [String] { ["T", "H"] }
    var limits: [Int] { [1 << 22, 1 << 20] }
    /// Forward 5 per element (σ(a) = 1/(1 + e^−a): 3; silu = a·σ; y = silu·b); backward 6
    /// (db = dy·silu; silu′ = σ + silu·(1 − σ): 3; da = dy·b·silu′: 2).
    public func flops(_ c: KernelCase) -> Double { let v = dims(c); return 11 * Double(v[0]) * Double(v[1]) }
    /// Read a, b, dy; write y, da, db.
    public func bytes(_ c: KernelCase) -> Double {
        let v = dims(c); return Double(width(c)) * 6 * Double(v[0]) * Double(v[1])
    }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c)
        let (th, o) = v[0].multipliedReportingOverflow(by: v[1])
        return o ? Int.max : width(c) * 6 * th
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] }
}

/// `rope_fwd_bwd/<dtype>/B=…,S=…,D=…,heads=…`: rotary position embeddings on B sequences of S
/// tokens, D = heads × head dimension, forward and backward. Position `s` rotates the pair
/// (i, i + hd/2) of each head by `s·θᵢ`, `θᵢ = 500000^(−2i/hd)` (Llama 3's base; the
/// "rotate half" layout of Hugging Face's Llama). The cos/sin table is built once, as
/// frameworks cache it.
public struct RoPESpec: OpKernelSpec {
    public init() {}
    public var name: String { "rope_fwd_bwd" }
    public var parameterNames: [String] { ["B", "S", "D", "heads"] }
    var limits: [Int] { [1 << 16, TransformerBlockSpec.sequenceLimit, 1 << 16, 1 << 16] }
    /// Llama 3's RoPE base θ.
    public static let base = 500_000.0

    func validateMore(_ c: KernelCase) throws(CaseError) {
        let v = dims(c)
        guard v[2] % v[3] == 0 else {
            throw .invalidParameter(caseID: c.id, reason: "heads=\(v[3]) does not divide D=\(v[2])")
        }
        guard (v[2] / v[3]) % 2 == 0 else {
            throw .invalidParameter(
                caseID: c.id,
                reason: "the head dimension D/heads = \(v[2] / v[3]) is odd; RoPE rotates pairs, so it must be even")
        }
    }
    /// 3 per element forward (x·cos + rotate_half(x)·sin) and 3 backward.
    public func flops(_ c: KernelCase) -> Double { 6 * elements(c) }
    /// Read x, dy; write y, dx (the S × hd/2 cos/sin table stays in cache).
    public func bytes(_ c: KernelCase) -> Double { Double(width(c)) * 4 * elements(c) }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c)
        let (t, o1) = v[0].multipliedReportingOverflow(by: v[1])
        let (n, o2) = t.multipliedReportingOverflow(by: v[2])
        return o1 || o2 ? Int.max : width(c) * (4 * n + v[1] * (v[2] / max(v[3], 1)))
    }
    func elements(_ c: KernelCase) -> Double { let v = dims(c); return Double(v[0] * v[1]) * Double(v[2]) }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0] * dims(c)[1]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] * dims(c)[1] }
}

/// `gqa_attention_fwd_bwd/<dtype>/B=…,S=…,D=…,heads=…,kv_heads=…`: Llama's attention: RoPE on
/// the queries and keys, then causal grouped-query attention (each of the `kv_heads` key/value
/// heads serves `heads/kv_heads` query heads), forward and backward, from a packed
/// `qkv[T × (D + 2·D_kv)]` (`D_kv = kv_heads·D/heads`) and `dO[T×D]`.
public struct GQAAttentionSpec: OpKernelSpec {
    public init() {}
    public var name: String { "gqa_attention_fwd_bwd" }
    public var parameterNames: [String] { ["B", "S", "D", "heads", "kv_heads"] }
    var limits: [Int] { [1 << 16, TransformerBlockSpec.sequenceLimit, 1 << 16, 1 << 16, 1 << 16] }

    func validateMore(_ c: KernelCase) throws(CaseError) {
        let v = dims(c)
        let (d, heads, kv) = (v[2], v[3], v[4])
        guard d % heads == 0 else {
            throw .invalidParameter(caseID: c.id, reason: "heads=\(heads) does not divide D=\(d)")
        }
        guard kv <= heads else {
            throw .invalidParameter(caseID: c.id, reason: "kv_heads=\(kv) is above heads=\(heads)")
        }
        guard heads % kv == 0 else {
            throw .invalidParameter(
                caseID: c.id,
                reason: "kv_heads=\(kv) does not divide heads=\(heads) (each KV head serves a whole group)")
        }
        guard (d / heads) % 2 == 0 else {
            throw .invalidParameter(
                caseID: c.id,
                reason: "the head dimension D/heads = \(d / heads) is odd; RoPE rotates pairs, so it must be even")
        }
    }
    /// As `attention_fwd_bwd`: forward `4·T·S·D` (scores and values of every query head),
    /// backward `8·T·S·D`; RoPE and softmax not counted.
    public func flops(_ c: KernelCase) -> Double {
        let v = dims(c); return 12 * Double(v[0] * v[1]) * Double(v[1]) * Double(v[2])
    }
    /// Read qkv and dO, write O and dqkv.
    public func bytes(_ c: KernelCase) -> Double {
        let v = dims(c)
        return Double(width(c)) * Double(v[0] * v[1]) * Double(2 * packedWidth(c) + 2 * v[2])
    }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c)
        let t = v[0] * v[1]
        let (probs, o) = (v[0] * v[3]).multipliedReportingOverflow(by: v[1] * v[1])
        return o ? Int.max : width(c) * (4 * t * packedWidth(c) + 2 * t * v[2] + probs + v[1] * v[1] + v[1] * v[2])
    }
    /// `D + 2·D_kv`, the width of a packed qkv row.
    public func packedWidth(_ c: KernelCase) -> Int {
        let v = dims(c); return v[2] + 2 * v[4] * (v[2] / max(v[3], 1))
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0] * dims(c)[1]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] * dims(c)[1] }
}
