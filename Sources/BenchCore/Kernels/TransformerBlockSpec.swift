/// One training step of a pre-LayerNorm decoder block (forward, backward, optimizer),
/// defined exactly in `docs/training-kernels.md`.
///
/// Parameters, in order: `B` (batch), `S` (sequence length), `D` (d_model), `heads`,
/// `opt` (`sgd` or `adamw`). Tokens per step: `B·S`. Example:
/// `transformer_block_step/fp32/B=4,S=256,D=768,heads=12,opt=adamw`.
public struct TransformerBlockSpec: KernelSpec {
    public init() {}
    public var name: String { "transformer_block_step" }
    public var parameterNames: [String] { ["B", "S", "D", "heads", "opt"] }
    public var dtypes: [DType] { [.fp32, .fp64, .bf16] }
    public var throughputUnit: String { "tokens/s" }
    /// Longest accepted sequence: the attention probabilities of every head are kept for backward.
    public static let sequenceLimit = 4096
    /// Largest accepted B, D or heads.
    public static let dimensionLimit = 1 << 16

    /// The dimensions and optimizer of a valid case.
    public struct Shape: Hashable, Sendable {
        public var batch: Int, sequence: Int, model: Int, heads: Int
        public var optimizer: Optimizer
        public var tokens: Int { batch * sequence }
        public var headDimension: Int { heads > 0 ? model / heads : 0 }
    }

    /// Builds the case id for a shape.
    public static func kernelCase(_ dtype: DType, b: Int, s: Int, d: Int, heads: Int, optimizer: Optimizer)
        -> KernelCase
    {
        KernelCase(
            kernel: "transformer_block_step", dtype: dtype,
            parameters: [
                .init("B", "\(b)"), .init("S", "\(s)"), .init("D", "\(d)"), .init("heads", "\(heads)"),
                .init("opt", optimizer.rawValue),
            ])
    }

    public func validate(_ kernelCase: KernelCase) throws(CaseError) {
        try checkDType(kernelCase)
        try checkParameterNames(kernelCase)
        let p = kernelCase.parameters
        _ = try positiveInteger(p[0], of: kernelCase, limit: Self.dimensionLimit)
        _ = try positiveInteger(p[1], of: kernelCase, limit: Self.sequenceLimit)
        let d = try positiveInteger(p[2], of: kernelCase, limit: Self.dimensionLimit)
        let h = try positiveInteger(p[3], of: kernelCase, limit: Self.dimensionLimit)
        guard d % h == 0 else {
            throw .invalidParameter(caseID: kernelCase.id, reason: "heads=\(h) does not divide D=\(d)")
        }
        guard Optimizer(rawValue: p[4].value) != nil else {
            throw .invalidParameter(
                caseID: kernelCase.id,
                reason:
                    "unknown optimizer '\(p[4].value)' (valid: \(Optimizer.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    /// The shape of a validated case.
    public func shape(_ kernelCase: KernelCase) -> Shape {
        Shape(
            batch: kernelCase.integer("B") ?? 0, sequence: kernelCase.integer("S") ?? 0,
            model: kernelCase.integer("D") ?? 0,
            heads: kernelCase.integer("heads") ?? 1, optimizer: Optimizer(rawValue: kernelCase["opt"] ?? "") ?? .adamw)
    }

    /// Model FLOPs per step: forward `24·T·D² + 4·T·S·D` (QKV 6, output projection 2 and
    /// MLP 16 `T·D²`; attention scores and values `2·T·S·D` each, full S×S, mask included),
    /// backward twice the forward. LayerNorm, softmax, GELU, residuals, loss and the
    /// optimizer are not counted.
    public func flops(_ kernelCase: KernelCase) -> Double {
        let s = shape(kernelCase)
        let t = Double(s.tokens), d = Double(s.model), seq = Double(s.sequence)
        return 3 * (24 * t * d * d + 4 * t * seq * d)
    }

    /// Compulsory bytes per step: read x and y once (`2·T·D`), read and write every
    /// parameter and its optimizer state once (`P·(2 + 2·states)`, P = `12·D² + 13·D`),
    /// times the element size.
    public func bytes(_ kernelCase: KernelCase) -> Double {
        let s = shape(kernelCase)
        let w = Double(kernelCase.dtype.byteWidth ?? 8)
        let d = Double(s.model)
        let p = 12 * d * d + 13 * d
        let states = s.optimizer == .sgd ? 1.0 : 2.0
        // bf16 cases are mixed precision: parameters and optimizer state stay in fp32.
        return w * 2 * Double(s.tokens) * d + max(w, 4) * p * (2 + 2 * states)
    }

    /// Parameters (value, gradient, two states), activations, gradients and attention probabilities.
    public func bufferBytes(_ kernelCase: KernelCase) -> Int {
        let s = shape(kernelCase)
        let w = kernelCase.dtype.byteWidth ?? 8
        let (t, d, seq) = (s.tokens, s.model, s.sequence)
        let p = 12 * d * d + 13 * d
        let (probs, o1) = (s.batch * s.heads).multipliedReportingOverflow(by: seq * seq)
        if o1 { return Int.max }
        let activations = 13 * t * d + 6 * t * d + 12 * t * d + probs + seq * seq + 5 * t
        let (total, o2) = (4 * p + activations).multipliedReportingOverflow(by: w)
        return o2 ? Int.max : total
    }

    public func unitsPerCall(_ kernelCase: KernelCase) -> Double { Double(shape(kernelCase).tokens) }
    public func tokensPerStep(_ kernelCase: KernelCase) -> Int? { shape(kernelCase).tokens }
}
