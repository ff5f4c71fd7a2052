/// The per-op training microkernels, so users can see where a step's time goes.
///
/// Their `flops` count the element-wise arithmetic (exp, tanh and division count as one)
/// rather than model FLOPs, except `attention_fwd_bwd`, whose matmuls are counted as in
/// `transformer_block_step`. Exact definitions: `docs/training-kernels.md`.
protocol OpKernelSpec: KernelSpec {
    /// Per-parameter upper limits, in parameter order.
    var limits: [Int] { get }
    /// The kernel's own shape rules, after the common ones (a requirement, so a kernel's
    /// version is the one `validate` calls).
    func validateMore(_ kernelCase: KernelCase) throws(CaseError)
}

extension OpKernelSpec {
    public var dtypes: [DType] { [.fp32, .fp64] }
    public var throughputUnit: String { "tokens/s" }

    public func validate(_ kernelCase: KernelCase) throws(CaseError) {
        try checkDType(kernelCase)
        try checkParameterNames(kernelCase)
        for (p, limit) in zip(kernelCase.parameters, limits) {
            _ = try positiveInteger(p, of: kernelCase, limit: limit)
        }
        try validateMore(kernelCase)
    }

    func validateMore(_ kernelCase: KernelCase) throws(CaseError) {}

    func dims(_ kernelCase: KernelCase) -> [Int] { kernelCase.parameters.map { Int($0.value) ?? 0 } }
    func width(_ kernelCase: KernelCase) -> Int { kernelCase.dtype.byteWidth ?? 8 }

    /// Builds a case id from values in parameter order.
    public func kernelCase(_ dtype: DType, _ values: [Int]) -> KernelCase {
        KernelCase(kernel: name, dtype: dtype, parameters: zip(parameterNames, values).map { .init($0, "\($1)") })
    }
}

/// `layernorm_fwd_bwd/<dtype>/T=…,D=…`: LayerNorm forward and backward over T rows of D.
public struct LayerNormSpec: OpKernelSpec {
    public init() {}
    public var name: String { "layernorm_fwd_bwd" }
    public var parameterNames: [String] { ["T", "D"] }
    var limits: [Int] { [1 << 22, 1 << 16] }
    /// ≈ 7 operations per element forward (stats, normalise, scale, shift) and 10 backward.
    public func flops(_ c: KernelCase) -> Double { let v = dims(c); return 17 * Double(v[0] * v[1]) }
    /// Read x, dy, γ, β; write y, dx, dγ, dβ.
    public func bytes(_ c: KernelCase) -> Double {
        let v = dims(c); return Double(width(c) * (4 * v[0] * v[1] + 4 * v[1]))
    }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c); return width(c) * (4 * v[0] * v[1] + 4 * v[1] + 2 * v[0])
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] }
}

/// `softmax_xent_fwd_bwd/<dtype>/T=…,V=…`: softmax cross-entropy over a vocabulary of V
/// for T rows, loss and gradient.
public struct SoftmaxCrossEntropySpec: OpKernelSpec {
    public init() {}
    public var name: String { "softmax_xent_fwd_bwd" }
    public var parameterNames: [String] { ["T", "V"] }
    var limits: [Int] { [1 << 20, 1 << 20] }
    /// ≈ 5 operations per logit: max, subtract, exp, sum, scale.
    public func flops(_ c: KernelCase) -> Double { let v = dims(c); return 5 * Double(v[0]) * Double(v[1]) }
    /// Read the logits and targets (int32), write the gradient.
    public func bytes(_ c: KernelCase) -> Double {
        let v = dims(c); return Double(width(c)) * 2 * Double(v[0]) * Double(v[1]) + 4 * Double(v[0])
    }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c)
        let (tv, o) = v[0].multipliedReportingOverflow(by: v[1])
        return o ? Int.max : width(c) * 2 * tv + 12 * v[0]
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] }
}

/// `attention_fwd_bwd/<dtype>/B=…,S=…,D=…,heads=…`: causal multi-head attention forward
/// and backward from a packed qkv[T×3D] and an output gradient dO[T×D].
public struct AttentionSpec: OpKernelSpec {
    public init() {}
    public var name: String { "attention_fwd_bwd" }
    public var parameterNames: [String] { ["B", "S", "D", "heads"] }
    var limits: [Int] { [1 << 16, TransformerBlockSpec.sequenceLimit, 1 << 16, 1 << 16] }
    func validateMore(_ c: KernelCase) throws(CaseError) {
        let v = dims(c)
        guard v[2] % v[3] == 0 else {
            throw .invalidParameter(caseID: c.id, reason: "heads=\(v[3]) does not divide D=\(v[2])")
        }
    }
    /// Forward `4·T·S·D` (scores and values), backward `8·T·S·D`; softmax not counted.
    public func flops(_ c: KernelCase) -> Double {
        let v = dims(c); return 12 * Double(v[0] * v[1]) * Double(v[1]) * Double(v[2])
    }
    /// Read qkv and dO, write O and dqkv: `8·T·D` elements.
    public func bytes(_ c: KernelCase) -> Double { let v = dims(c); return Double(width(c) * 8 * v[0] * v[1] * v[2]) }
    public func bufferBytes(_ c: KernelCase) -> Int {
        let v = dims(c)
        let t = v[0] * v[1]
        let (probs, o) = (v[0] * v[3]).multipliedReportingOverflow(by: v[1] * v[1])
        return o ? Int.max : width(c) * (8 * t * v[2] + probs + v[1] * v[1])
    }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0] * dims(c)[1]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { dims(c)[0] * dims(c)[1] }
}

/// `adamw_update/<dtype>/N=…`: one AdamW step over N parameters (memory-bound).
public struct AdamWUpdateSpec: OpKernelSpec {
    public init() {}
    public var name: String { "adamw_update" }
    public var parameterNames: [String] { ["N"] }
    public var throughputUnit: String { "params/s" }
    var limits: [Int] { [1 << 31] }
    /// ≈ 12 operations per parameter.
    public func flops(_ c: KernelCase) -> Double { 12 * Double(dims(c)[0]) }
    /// Read w, g, m, v; write w, m, v: `7·N` elements.
    public func bytes(_ c: KernelCase) -> Double { Double(width(c) * 7 * dims(c)[0]) }
    public func bufferBytes(_ c: KernelCase) -> Int { width(c) * 4 * dims(c)[0] }
    public func unitsPerCall(_ c: KernelCase) -> Double { Double(dims(c)[0]) }
    public func tokensPerStep(_ c: KernelCase) -> Int? { nil }
}
