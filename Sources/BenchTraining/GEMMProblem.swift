import BenchCore
import BenchRuntime
/// The buffers of one GEMM case, its generated inputs and its verification.
///
/// Backends differ only in the function that computes `C = A·B` over these
/// buffers; generation and checking are shared so that every backend is held
/// to the same reference.
public final class GEMMProblem<T: GEMMScalar> {
    public let kernelCase: KernelCase
    public let shape: GEMMSpec.Shape
    /// Row-major `A[M×K]`.
    public let a: AlignedBuffer<T>
    /// Row-major `B[K×N]`.
    public let b: AlignedBuffer<T>
    /// Row-major `C[M×N]`, overwritten by every call.
    public let c: AlignedBuffer<T>

    /// Allocates and fills A and B from the case's seeds (operands `A` and `B`); C starts as NaN
    /// so that a kernel that never writes an entry fails verification.
    public init(_ kernelCase: KernelCase) {
        self.kernelCase = kernelCase
        shape = GEMMSpec().shape(kernelCase)
        a = AlignedBuffer(count: shape.m * shape.k, repeating: 0)
        b = AlignedBuffer(count: shape.k * shape.n, repeating: 0)
        c = AlignedBuffer(count: shape.m * shape.n, repeating: .nan)
        a.pointer.fillUniform(seed: InputSeed.seed(caseID: kernelCase.id, operand: "A"))
        b.pointer.fillUniform(seed: InputSeed.seed(caseID: kernelCase.id, operand: "B"))
    }

    /// Checks sampled entries of C (the four corners plus up to 60 pseudo-random ones) against
    /// ``GEMMCheck``'s rule.
    public func verify() -> Verification {
        let entries = Self.verificationEntries(kernelCase)
        return check(entries: entries, values: entries.map { Double(c.base[$0.0 * shape.n + $0.1]) })
    }

    /// The entries verification samples: the four corners plus up to 60 pseudo-random ones
    /// (SplitMix64 seeded with `FNV-1a-64("<case id>#verify")`).
    public static func verificationEntries(_ kernelCase: KernelCase) -> [(Int, Int)] {
        let s = GEMMSpec().shape(kernelCase)
        var entries: [(Int, Int)] = [(0, 0), (0, s.n - 1), (s.m - 1, 0), (s.m - 1, s.n - 1)]
        var rng = SplitMix64(seed: InputSeed.seed(caseID: kernelCase.id, operand: "verify"))
        for _ in 0..<min(60, s.m * s.n) {
            entries.append((Int(rng.next() % UInt64(s.m)), Int(rng.next() % UInt64(s.n))))
        }
        return entries
    }

    /// Checks `values` of C at `entries` (computed by any implementation from this case's
    /// inputs) against ``GEMMCheck``'s rule, reading the inputs from this problem's buffers
    /// (rounded to bf16 for a bf16 case, as the backend rounds them).
    public func check(entries: [(Int, Int)], values: [Double]) -> Verification {
        let (n, k, dtype) = (shape.n, shape.k, kernelCase.dtype)
        let (a, b) = (self.a, self.b)
        // As the dtype stores them: a bf16 case's fp32 buffers are rounded by the backend.
        return GEMMCheck.check(
            kernelCase, shape: shape, entries: entries, values: values,
            operands: .init(
                row: { i in (0..<k).map { GEMMCheck.stored(Double(a.base[i * k + $0]), as: dtype) } },
                column: { j in (0..<k).map { GEMMCheck.stored(Double(b.base[$0 * n + j]), as: dtype) } }))
    }
}

extension GEMMProblem where T == Float {
    /// A and B as bf16 bit patterns, rounded to nearest even from the fp32 inputs (what a bf16
    /// case's backend multiplies; ``check(entries:values:)`` rounds the same way).
    public func bf16Operands() -> (a: AlignedBuffer<UInt16>, b: AlignedBuffer<UInt16>) {
        func bits(_ source: AlignedBuffer<Float>) -> AlignedBuffer<UInt16> {
            let out = AlignedBuffer<UInt16>(count: source.count, repeating: 0)
            for i in 0..<source.count {
                out.base[i] = UInt16(truncatingIfNeeded: GEMMCheck.roundedToBF16(source.base[i]).bitPattern >> 16)
            }
            return out
        }
        return (bits(a), bits(b))
    }
}

/// A prepared GEMM case: a problem plus the backend's compute function.
public final class PreparedGEMM<T: GEMMScalar>: PreparedCase {
    public let problem: GEMMProblem<T>
    private let compute: (GEMMProblem<T>) -> Void

    public init(problem: GEMMProblem<T>, compute: @escaping (GEMMProblem<T>) -> Void) {
        self.problem = problem
        self.compute = compute
    }

    public func run() throws { compute(problem) }
    public func verify() -> Verification { problem.verify() }
}
