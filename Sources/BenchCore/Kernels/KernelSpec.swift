/// The specification of a kernel: its parameters, dtypes and work accounting.
///
/// A spec knows nothing about how a backend computes the kernel; it says what
/// a valid case is and how much work one call does.
public protocol KernelSpec: Sendable {
    /// The kernel name used in case ids, e.g. `gemm`.
    var name: String { get }
    /// Parameter names in their documented order.
    var parameterNames: [String] { get }
    /// The dtypes this kernel is defined for.
    var dtypes: [DType] { get }
    /// The unit of the CSV `throughput` column for this kernel, e.g. `calls/s`.
    var throughputUnit: String { get }

    /// Checks a parsed case: parameter names and order, ranges, dtype.
    func validate(_ kernelCase: KernelCase) throws(CaseError)
    /// Floating-point operations per call (an FMA counts as 2).
    func flops(_ kernelCase: KernelCase) -> Double
    /// Compulsory bytes moved per call (each input read once, each output written once).
    func bytes(_ kernelCase: KernelCase) -> Double
    /// Bytes of buffers a backend allocates to run the case (inputs, outputs, workspace).
    func bufferBytes(_ kernelCase: KernelCase) -> Int
    /// Work units per call for the `throughput` column (1 for `calls/s`).
    func unitsPerCall(_ kernelCase: KernelCase) -> Double
    /// Tokens one call trains on (the `tokens_per_step` column), or `nil` for non-training kernels.
    func tokensPerStep(_ kernelCase: KernelCase) -> Int?
}

extension KernelSpec {
    public func unitsPerCall(_ kernelCase: KernelCase) -> Double { 1 }
    public func tokensPerStep(_ kernelCase: KernelCase) -> Int? { nil }

    /// Checks that the case's parameters are exactly `parameterNames`, in order.
    func checkParameterNames(_ kernelCase: KernelCase) throws(CaseError) {
        let names = kernelCase.parameters.map(\.name)
        guard names == parameterNames else {
            throw .invalidParameter(
                caseID: kernelCase.id,
                reason:
                    "expected parameters \(parameterNames.joined(separator: ",")) in this order, got \(names.joined(separator: ","))"
            )
        }
    }

    /// The value of `p` as a positive integer no larger than `limit`.
    func positiveInteger(_ p: KernelCase.Parameter, of kernelCase: KernelCase, limit: Int) throws(CaseError) -> Int {
        guard let v = Int(p.value) else {
            throw .invalidParameter(caseID: kernelCase.id, reason: "\(p.name)=\(p.value) is not an integer")
        }
        // Ids are compared byte for byte, so only the canonical spelling is accepted (no "+1", "01").
        guard String(v) == p.value else {
            throw .invalidParameter(
                caseID: kernelCase.id, reason: "\(p.name)=\(p.value) is not written canonically (use \(p.name)=\(v))")
        }
        guard v > 0 else {
            throw .invalidParameter(caseID: kernelCase.id, reason: "\(p.name)=\(p.value) must be positive")
        }
        guard v <= limit else {
            throw .invalidParameter(caseID: kernelCase.id, reason: "\(p.name)=\(p.value) exceeds the limit \(limit)")
        }
        return v
    }

    func checkDType(_ kernelCase: KernelCase) throws(CaseError) {
        guard dtypes.contains(kernelCase.dtype) else {
            throw .unsupportedDType(kernelCase.dtype.rawValue, kernel: name, known: dtypes)
        }
    }
}

/// The kernels this build knows, looked up by name.
public struct KernelRegistry: Sendable {
    public var specs: [any KernelSpec]

    public init(specs: [any KernelSpec]) { self.specs = specs }

    /// The built-in kernels.
    public static let builtIn = KernelRegistry(specs: [
        GEMMSpec(), MLPStepSpec(), TransformerBlockSpec(), LlamaBlockSpec(), LayerNormSpec(), SoftmaxCrossEntropySpec(),
        AttentionSpec(), AdamWUpdateSpec(), RMSNormSpec(), SwiGLUSpec(), RoPESpec(), GQAAttentionSpec(),
    ])

    /// The spec named `name`, or `nil`.
    public func spec(named name: String) -> (any KernelSpec)? {
        specs.first { $0.name == name }
    }

    /// Parses and validates a case id against the known kernels.
    public func validatedCase(_ id: String) throws(CaseError) -> KernelCase {
        let parsed = try KernelCase(parsing: id)
        guard let spec = spec(named: parsed.kernel) else {
            throw .unknownKernel(parsed.kernel, known: specs.map(\.name))
        }
        try spec.validate(parsed)
        return parsed
    }
}
