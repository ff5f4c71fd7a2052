/// One training step of a Llama-style decoder block (forward, backward, optimizer), defined
/// exactly in `docs/training-kernels.md`: pre-RMSNorm, grouped-query causal attention with
/// RoPE, a SwiGLU MLP, residuals, no biases.
///
/// Parameters, in order: `B` (batch), `S` (sequence length), `D` (d_model), `heads`,
/// `kv_heads`, `H` (the MLP's intermediate size), `opt` (`sgd` or `adamw`). Tokens per step:
/// `B·S`. Example (Llama 3 8B's layer widths): `llama_block_step/fp32/B=1,S=256,D=4096,heads=32,kv_heads=8,H=14336,opt=adamw`.
public struct LlamaBlockSpec: KernelSpec {
    public init() {}
    public var name: String { "llama_block_step" }
    public var parameterNames: [String] { ["B", "S", "D", "heads", "kv_heads", "H", "opt"] }
    public var dtypes: [DType] { [.fp32, .fp64, .bf16] }
    public var throughputUnit: String { "tokens/s" }

    /// The dimensions and optimizer of a valid case.
    public struct Shape: Hashable, Sendable {
        public var batch: Int, sequence: Int, model: Int, heads: Int, kvHeads: Int, hidden: Int
        public var optimizer: Optimizer
        public var tokens: Int { batch * sequence }
        public var headDimension: Int { heads > 0 ? model / heads : 0 }
        /// `D_kv = kv_heads·D/heads`, the width of K and of V.
        public var kvWidth: Int { kvHeads * headDimension }
        /// The packed qkv row: `D + 2·D_kv`.
        public var qkvWidth: Int { model + 2 * kvWidth }
        /// Parameters: two RMSNorm γ, Wqkv, Wo, W_gate, W_up, W_down.
        public var parameters: Int { 2 * model + model * qkvWidth + model * model + 3 * model * hidden }
    }

    /// Builds the case id for a shape.
    public static func kernelCase(
        _ dtype: DType, b: Int, s: Int, d: Int, heads: Int, kvHeads: Int, hidden: Int, optimizer: Optimizer
    ) -> KernelCase {
        KernelCase(
            kernel: "llama_block_step", dtype: dtype,
            parameters: [
                .init("B", "\(b)"), .init("S", "\(s)"), .init("D", "\(d)"), .init("heads", "\(heads)"),
                .init("kv_heads", "\(kvHeads)"), .init("H", "\(hidden)"), .init("opt", optimizer.rawValue),
            ])
    }

    public func validate(_ kernelCase: KernelCase) throws(CaseError) {
        try checkDType(kernelCase)
        try checkParameterNames(kernelCase)
        let p = kernelCase.parameters
        let limit = TransformerBlockSpec.dimensionLimit
        _ = try positiveInteger(p[0], of: kernelCase, limit: limit)
        _ = try positiveInteger(p[1], of: kernelCase, limit: TransformerBlockSpec.sequenceLimit)
        let d = try positiveInteger(p[2], of: kernelCase, limit: limit)
        let heads = try positiveInteger(p[3], of: kernelCase, limit: limit)
        let kv = try positiveInteger(p[4], of: kernelCase, limit: limit)
        _ = try positiveInteger(p[5], of: kernelCase, limit: 1 << 20)
        func bad(_ reason: String) -> CaseError { .invalidParameter(caseID: kernelCase.id, reason: reason) }
        guard d % heads == 0 else { throw bad("heads=\(heads) does not divide D=\(d)") }
        guard kv <= heads else { throw bad("kv_heads=\(kv) is above heads=\(heads)") }
        guard heads % kv == 0 else {
            throw bad("kv_heads=\(kv) does not divide heads=\(heads) (each KV head serves a whole group)")
        }
        guard (d / heads) % 2 == 0 else {
            throw bad("the head dimension D/heads = \(d / heads) is odd; RoPE rotates pairs, so it must be even")
        }
        guard Optimizer(rawValue: p[6].value) != nil else {
            throw bad(
                "unknown optimizer '\(p[6].value)' (valid: \(Optimizer.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    /// The shape of a validated case.
    public func shape(_ c: KernelCase) -> Shape {
        Shape(
            batch: c.integer("B") ?? 0, sequence: c.integer("S") ?? 0, model: c.integer("D") ?? 0,
            heads: c.integer("heads") ?? 1, kvHeads: c.integer("kv_heads") ?? 1, hidden: c.integer("H") ?? 0,
            optimizer: Optimizer(rawValue: c["opt"] ?? "") ?? .adamw)
    }

    /// Model FLOPs per step: forward `2·T·D·(D + 2·D_kv)` (QKV) `+ 2·T·D²` (output projection)
    /// `+ 6·T·D·H` (gate, up and down projections) `+ 4·T·S·D` (scores and values of every
    /// query head, full S×S, mask included); backward twice the forward. RMSNorm, RoPE,
    /// softmax, SwiGLU, residuals, loss and the optimizer are not counted.
    public func flops(_ c: KernelCase) -> Double {
        let s = shape(c)
        let (t, d, seq) = (Double(s.tokens), Double(s.model), Double(s.sequence))
        let forward = 2 * t * d * Double(s.qkvWidth) + 2 * t * d * d + 6 * t * d * Double(s.hidden) + 4 * t * seq * d
        return 3 * forward
    }

    /// Compulsory bytes per step: read x and y once (`2·T·D`), read and write every parameter
    /// and its optimizer state once (`P·(2 + 2·states)`), times the element size (fp32 for the
    /// parameters of a bf16 case: mixed precision).
    public func bytes(_ c: KernelCase) -> Double {
        let s = shape(c)
        let w = Double(c.dtype.byteWidth ?? 8)
        let states = s.optimizer == .sgd ? 1.0 : 2.0
        return w * 2 * Double(s.tokens) * Double(s.model) + max(w, 4) * Double(s.parameters) * (2 + 2 * states)
    }

    /// Parameters (value, gradient, two states), activations and their gradients, attention
    /// probabilities of every (batch, head), and the RoPE tables.
    public func bufferBytes(_ c: KernelCase) -> Int {
        let s = shape(c)
        let w = c.dtype.byteWidth ?? 8
        let (t, d, seq) = (s.tokens, s.model, s.sequence)
        let (probs, o1) = (s.batch * s.heads).multipliedReportingOverflow(by: seq * seq)
        if o1 { return Int.max }
        let activations = 14 * t * d + 4 * t * s.qkvWidth + 7 * t * s.hidden + probs + seq * seq + 2 * t
        let (total, o2) = (4 * s.parameters + activations + seq * s.headDimension).multipliedReportingOverflow(by: w)
        return o2 ? Int.max : total
    }

    public func unitsPerCall(_ c: KernelCase) -> Double { Double(shape(c).tokens) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { shape(c).tokens }
}
