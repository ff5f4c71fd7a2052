import BenchCore

/// One output value a verification reads: row `row`, column `column` of the output tensor
/// named `tensor` (a vector is a single row, `row` 0). Row-major, 0-based.
public struct OutputEntry: Hashable, Sendable, CustomStringConvertible {
    /// The output's name as docs/plugin-protocol.md lists it per kernel, e.g. `out`, `dx`, `C`.
    public var tensor: String
    public var row: Int
    public var column: Int

    public init(_ tensor: String, _ row: Int, _ column: Int) {
        self.tensor = tensor
        self.row = row
        self.column = column
    }

    public var description: String { "\(tensor)[\(row),\(column)]" }
}

/// A kernel's fp64 reference, for outputs computed anywhere: by a built-in backend in this
/// process or by a plugin in another (docs/plugin-protocol.md). It names the output entries
/// a verification reads and checks values found there, regenerating whatever inputs it needs
/// from the case id.
public protocol KernelReference {
    /// The kernel this reference checks, e.g. `gemm`.
    static var kernel: String { get }
    /// The entries a verification reads; deterministic for a case (seeded from its id).
    static func verificationEntries(_ kernelCase: KernelCase) -> [OutputEntry]
    /// Checks `values` (one per entry, in order; NaN for a missing value), read after `calls`
    /// calls from the case's initial state. Kernels that carry state from call to call check
    /// the first call against fp64 and only finiteness afterwards.
    static func check(_ kernelCase: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification
}

/// The reference of a training step: its state changes with every call, so the first call's
/// output is checked against an fp64 forward pass of the initial state and later outputs only
/// for being finite (they depend on the whole trajectory; gradients are proven by tests).
public protocol TrainingStepReference: KernelReference {
    /// Checks values of the first call's forward output at `entries` against fp64.
    static func checkFirstForward(_ kernelCase: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification
}

extension TrainingStepReference {
    /// After the first call, ``checkFirstForward(_:entries:values:)``; later, finite values.
    public static func check(_ kernelCase: KernelCase, entries: [OutputEntry], values: [Double], calls: Int)
        -> Verification
    {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        return calls == 1
            ? checkFirstForward(kernelCase, entries: entries, values: values)
            : .finite(entries, values: values, calls: calls)
    }
}

/// A prepared case whose outputs can be read entry by entry (the built-in training kernels):
/// its `verify()` holds them to its ``KernelReference``, and so can a test.
public protocol OutputReading {
    /// The current value of an output entry (NaN for an output the kernel does not have).
    func value(at entry: OutputEntry) -> Double
}

/// A built-in kernel whose every call computes the same outputs from the same inputs (the
/// per-op kernels): its `verify()` checks its reference's entries as after one call.
protocol StatelessOutputCase: PreparedCase, OutputReading, KernelReference {
    var kernelCase: KernelCase { get }
}

extension StatelessOutputCase {
    public func verify() -> Verification {
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: 1)
    }
}

/// Every kernel reference, looked up by kernel name and dtype.
public enum KernelReferences {
    static func all<T: NativeScalar>(_: T.Type) -> [any KernelReference.Type] {
        [
            GEMMReference<T>.self, PreparedMLP<T>.self, PreparedTransformerBlock<T>.self, PreparedLlamaBlock<T>.self,
            PreparedLayerNorm<T>.self,
            PreparedSoftmaxCrossEntropy<T>.self, PreparedAttention<T>.self, PreparedAdamW<T>.self,
            PreparedRMSNorm<T>.self, PreparedSwiGLU<T>.self, PreparedRoPE<T>.self, PreparedGQAAttention<T>.self,
        ]
    }

    /// The kernels that have a reference.
    public static var kernels: [String] { all(Double.self).map { $0.kernel } }

    /// The reference for the case's kernel in its dtype (fp32 or fp64; bf16 for `gemm`), or `nil`
    /// when bench has none.
    public static func reference(for kernelCase: KernelCase) -> (any KernelReference.Type)? {
        let candidates: [any KernelReference.Type]
        switch kernelCase.dtype {
        case .fp32: candidates = all(Float.self)
        case .fp64: candidates = all(Double.self)
        // bf16: GEMM only, on the inputs rounded to bf16 with fp32 accumulation (GEMMCheck).
        case .bf16: return kernelCase.kernel == GEMMReference<Float>.kernel ? GEMMReference<Float>.self : nil
        default: return nil
        }
        return candidates.first { $0.kernel == kernelCase.kernel }
    }
}

extension Verification {
    /// A failed verification that checked nothing (wrong count, no reference, a plugin error).
    public static func failed(_ detail: String) -> Verification {
        Verification(
            passed: false, checkedEntries: 0, worstErrorRatio: .infinity, maxAbsoluteError: 0, tolerance: "",
            detail: detail)
    }

    /// The check of a stateful kernel's outputs after training steps: every value finite.
    static func finite(_ entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        let bad = values.firstIndex { !$0.isFinite }
        return Verification(
            passed: bad == nil, checkedEntries: values.count, worstErrorRatio: bad == nil ? 0 : .infinity,
            maxAbsoluteError: 0, tolerance: "outputs finite after \(calls) calls",
            detail: bad.map { "\(entries[$0]) = \(values[$0]) after \(calls) calls" } ?? "")
    }

    /// The check every reference starts with: one value per entry.
    static func countMismatch(_ entries: [OutputEntry], _ values: [Double]) -> Verification? {
        values.count == entries.count ? nil : .failed("\(values.count) values for \(entries.count) entries")
    }
}

extension SplitMix64 {
    /// `count` inputs of `operand` starting at element `offset` (row-major), as the dtype `T`
    /// stores them, widened to fp64: a slice of what `fillUniform` writes.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func uniforms<T: NativeScalar>(
        _ kernelCase: KernelCase, _ operand: String, offset: Int = 0, count: Int, as _: T.Type
    ) -> [Double] {
        var g = SplitMix64(seed: InputSeed.seed(caseID: kernelCase.id, operand: operand), skipping: offset)
        return (0..<count).map { _ in Double(T(g.nextUniform())) }
    }
}

/// The `gemm` reference: ``GEMMProblem``'s sampled entries of `C[M×N]` and ``GEMMCheck``'s
/// rule, on the rows and columns of the inputs regenerated from the case id (every call
/// computes the same C; no matrix is materialised, so a plugin's 8192³ case checks in
/// milliseconds). `T` is the storage of fp32 and fp64 cases; bf16 cases use `Float`.
public enum GEMMReference<T: NativeScalar>: KernelReference {
    public static var kernel: String { "gemm" }

    public static func verificationEntries(_ kernelCase: KernelCase) -> [OutputEntry] {
        GEMMProblem<T>.verificationEntries(kernelCase).map { OutputEntry("C", $0.0, $0.1) }
    }

    public static func check(_ kernelCase: KernelCase, entries: [OutputEntry], values: [Double], calls: Int)
        -> Verification
    {
        let shape = GEMMSpec().shape(kernelCase)
        return GEMMCheck.check(
            kernelCase, shape: shape, entries: entries.map { ($0.row, $0.column) }, values: values,
            operands: GEMMCheck.generatedOperands(kernelCase, shape: shape))
    }
}
