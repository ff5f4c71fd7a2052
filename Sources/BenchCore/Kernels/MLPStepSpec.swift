/// One training step of a 2-layer MLP (forward, backward, optimizer), defined
/// exactly in `docs/training-kernels.md`.
///
/// Parameters, in order: `B` (tokens per step), `D` (model width), `H` (hidden
/// width), `opt` (`sgd` or `adamw`). Example: `mlp_step/fp32/B=512,D=1024,H=4096,opt=sgd`.
public struct MLPStepSpec: KernelSpec {
    public init() {}
    public var name: String { "mlp_step" }
    public var parameterNames: [String] { ["B", "D", "H", "opt"] }
    public var dtypes: [DType] { [.fp32, .fp64, .bf16] }
    public var throughputUnit: String { "tokens/s" }
    /// Largest accepted B, D or H.
    public static let dimensionLimit = 1 << 16

    /// The dimensions and optimizer of a valid case.
    public struct Shape: Hashable, Sendable {
        public var b: Int, d: Int, h: Int
        public var optimizer: Optimizer
    }

    /// Builds the case id for a shape.
    public static func kernelCase(_ dtype: DType, b: Int, d: Int, h: Int, optimizer: Optimizer) -> KernelCase {
        KernelCase(
            kernel: "mlp_step", dtype: dtype,
            parameters: [
                .init("B", "\(b)"), .init("D", "\(d)"), .init("H", "\(h)"), .init("opt", optimizer.rawValue),
            ])
    }

    public func validate(_ kernelCase: KernelCase) throws(CaseError) {
        try checkDType(kernelCase)
        try checkParameterNames(kernelCase)
        for p in kernelCase.parameters.prefix(3) {
            _ = try positiveInteger(p, of: kernelCase, limit: Self.dimensionLimit)
        }
        guard Optimizer(rawValue: kernelCase.parameters[3].value) != nil else {
            throw .invalidParameter(
                caseID: kernelCase.id,
                reason:
                    "unknown optimizer '\(kernelCase.parameters[3].value)' (valid: \(Optimizer.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    /// The shape of a validated case.
    public func shape(_ kernelCase: KernelCase) -> Shape {
        Shape(
            b: kernelCase.integer("B") ?? 0, d: kernelCase.integer("D") ?? 0, h: kernelCase.integer("H") ?? 0,
            optimizer: Optimizer(rawValue: kernelCase["opt"] ?? "") ?? .sgd)
    }

    /// Model FLOPs per step: forward `4·B·D·H` + backward `8·B·D·H` (= 6 · parameters · tokens).
    /// Bias adds, GELU, the loss and the optimizer are not counted.
    public func flops(_ kernelCase: KernelCase) -> Double {
        let s = shape(kernelCase)
        return 12 * Double(s.b) * Double(s.d) * Double(s.h)
    }

    /// Compulsory bytes per step: read x and y once (`2·B·D` elements of the dtype), and read
    /// and write every parameter and its optimizer state once (`P·(2 + 2·states)`,
    /// P = `2·D·H + D + H`, states 1 for SGD momentum, 2 for AdamW) in at least fp32 (bf16
    /// cases are mixed precision: fp32 master weights and optimizer state).
    public func bytes(_ kernelCase: KernelCase) -> Double {
        let s = shape(kernelCase)
        let w = Double(kernelCase.dtype.byteWidth ?? 8)
        let p = 2 * Double(s.d) * Double(s.h) + Double(s.d + s.h)
        let states = s.optimizer == .sgd ? 1.0 : 2.0
        return w * 2 * Double(s.b) * Double(s.d) + max(w, 4) * p * (2 + 2 * states)
    }

    /// Parameters, gradients, optimizer state and activations.
    public func bufferBytes(_ kernelCase: KernelCase) -> Int {
        let s = shape(kernelCase)
        let w = kernelCase.dtype.byteWidth ?? 8
        let p = 2 * s.d * s.h + s.d + s.h
        let activations = 4 * s.b * s.d + 3 * s.b * s.h + s.b
        return w * (p * 4 + activations)
    }

    public func unitsPerCall(_ kernelCase: KernelCase) -> Double { Double(shape(kernelCase).b) }
    public func tokensPerStep(_ kernelCase: KernelCase) -> Int? { shape(kernelCase).b }
}

/// The optimizers of the training kernels (hyper-parameters fixed, see `docs/training-kernels.md`).
public enum Optimizer: String, Sendable, CaseIterable {
    /// SGD with momentum: lr 0.01, μ 0.9.
    case sgd
    /// AdamW: lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-8, weight decay 0.01.
    case adamw
}
