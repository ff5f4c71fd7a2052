import BenchCore
import BenchRuntime
import Foundation

/// An `mlp_step` case ready to run on some matrix engine.
///
/// Verification: after the first step, sampled rows of the output (the forward
/// pass of the initial state) are recomputed in fp64 from the same initial
/// state; after later steps, the loss and sampled parameters must be finite.
/// Gradients are proven correct by the test suite (finite differences, and
/// agreement between backends), which is too costly to repeat per run.
public final class PreparedMLP<T: NativeScalar>: PreparedCase {
    public let model: MLPStep<T>

    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        model = MLPStep(kernelCase, engine: engine)
    }

    public func run() throws { try model.checkedStep() }

    public func verify() -> Verification {
        guard model.steps == 1 else {
            return FiniteCheck.verify(loss: model.loss, step: model.steps, names: ["W1", "b1", "W2", "b2"]) {
                model.parameter($0)?.value
            }
        }
        let entries = Self.verificationEntries(model.kernelCase)
        return Self.checkFirstForward(model.kernelCase, entries: entries, values: entries.map(value(at:)))
    }
}

extension PreparedMLP: OutputReading {
    /// `out[B×D]` of the latest forward pass.
    public func value(at e: OutputEntry) -> Double {
        e.tensor == "out" ? Double(model.output.base[e.row * model.d + e.column]) : .nan
    }
}

extension PreparedMLP: TrainingStepReference {
    public static var kernel: String { "mlp_step" }

    /// Rows 0 and B−1 and up to two pseudo-random rows of `out[B×D]`, every column.
    public static func verificationEntries(_ kernelCase: KernelCase) -> [OutputEntry] {
        let s = MLPStepSpec().shape(kernelCase)
        var rows = Set([0, s.b - 1])
        var rng = SplitMix64(seed: InputSeed.seed(caseID: kernelCase.id, operand: "verify"))
        while rows.count < min(4, s.b) { rows.insert(Int(rng.next() % UInt64(s.b))) }
        return rows.sorted().flatMap { r in (0..<s.d).map { OutputEntry("out", r, $0) } }
    }

    /// Checks values of the first forward pass's `out` at `entries` (from any implementation)
    /// against an fp64 recomputation from the initial state.
    ///
    /// Tolerance per entry: `8u·(√H·S₁ + 1.2·√D·S₂ + S₁)` with `S₁ = Σⱼ|aⱼ·W2ⱼₖ|`,
    /// `S₂ = Σⱼ|W2ⱼₖ|·Σᵢ|xᵢ·W1ᵢⱼ|`: the GEMM bound of each layer, the first layer's
    /// error carried through GELU (slope ≤ 1.13), and one ulp of tanh.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func checkFirstForward(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if id.dtype == .bf16 { return checkFirstForwardBF16(id, entries: entries, values: values) }
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let state = MLPInitialState<T>(id)
        let (d, h, w2) = (state.d, state.h, state.w2)
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        var act = [Double](repeating: 0, count: h), mag = [Double](repeating: 0, count: h)
        var currentRow = -1
        for (entry, got) in zip(entries, values) {
            let (r, k) = (entry.row, entry.column)
            if r != currentRow {
                state.preActivations(row: r, value: { Double($0) }, sums: &act, magnitudes: &mag)
                for j in 0..<h { act[j] = MLPInitialState<T>.gelu(act[j]) }
                currentRow = r
            }
            var ref = 0.0, s1 = 0.0, s2 = 0.0
            for j in 0..<h {
                let wv = Double(w2.base[j * d + k])
                ref += act[j] * wv
                s1 += abs(act[j] * wv)
                s2 += abs(wv) * mag[j]
            }
            let bound = 8 * u * (Double(h).squareRoot() * s1 + 1.2 * Double(d).squareRoot() * s2 + s1)
            tally.check("out[\(r),\(k)]", got: got, reference: ref, bound: bound)
        }
        return tally.verification("first forward pass vs fp64, |out-ref| <= 8u(sqrt(H)S1 + 1.2 sqrt(D)S2 + S1)")
    }
}

/// An `mlp_step` case's initial `x`, `W1` and `W2`, regenerated for its fp64 references.
struct MLPInitialState<S: NativeScalar> {
    let d: Int, h: Int
    let x: AlignedBuffer<S>, w1: AlignedBuffer<S>, w2: AlignedBuffer<S>

    init(_ id: KernelCase) {
        let s = MLPStepSpec().shape(id)
        (d, h) = (s.d, s.h)
        w1 = AlignedBuffer(count: s.d * s.h, repeating: 0)
        w2 = AlignedBuffer(count: s.h * s.d, repeating: 0)
        x = AlignedBuffer(count: s.b * s.d, repeating: 0)
        let y = AlignedBuffer<S>(count: s.b * s.d, repeating: 0)
        MLPStep<S>.initialize(id, x: x.pointer, y: y.pointer, w1: w1.pointer, w2: w2.pointer, d: s.d, h: s.h)
    }

    /// Row `r`'s first-layer sums `Σᵢ xᵢ·W1ᵢⱼ` and magnitudes `Σᵢ|xᵢ·W1ᵢⱼ|` in fp64, every stored
    /// input read through `value` (the identity, or rounding to bf16).
    func preActivations(row r: Int, value: (S) -> Double, sums: inout [Double], magnitudes: inout [Double]) {
        for j in 0..<h {
            var sum = 0.0, m = 0.0
            for i in 0..<d {
                let t = value(x.base[r * d + i]) * value(w1.base[i * h + j])
                sum += t
                m += abs(t)
            }
            sums[j] = sum
            magnitudes[j] = m
        }
    }

    /// The tanh form of GELU in fp64, as `Elementwise.biasGELU` computes it in the dtype.
    static func gelu(_ u: Double) -> Double {
        0.5 * u * (1 + Foundation.tanh(Elementwise.geluScale * (u + 0.044715 * u * u * u)))
    }
}
