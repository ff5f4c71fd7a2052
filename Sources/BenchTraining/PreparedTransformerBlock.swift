import BenchCore
import BenchRuntime
import Foundation

/// A `transformer_block_step` case ready to run on some matrix engine.
///
/// Verification: after the first step, the first forward pass is recomputed in
/// fp64 for positions 0, 1, 2, 7 and 36 of the last sequence (these depend only on
/// positions ≤ 36, so the reference stays cheap, a broken causal mask shows up at
/// once, and row 36's 37 scores run the softmax's vector and masked-tail paths); after later steps, the loss and sampled parameters must be finite.
/// Gradients are proven by the test suite (finite differences, backend agreement).
public final class PreparedTransformerBlock<T: NativeScalar>: PreparedCase {
    public let model: TransformerBlockStep<T>

    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        model = TransformerBlockStep(kernelCase, engine: engine)
    }

    public func run() throws { try model.checkedStep() }

    public func verify() -> Verification {
        guard model.steps == 1 else {
            return FiniteCheck.verify(
                loss: model.loss, step: model.steps, names: TransformerBlockStep<T>.parameterNames
            ) {
                model.parameter($0)?.value
            }
        }
        let entries = Self.verificationEntries(model.kernelCase)
        return Self.checkFirstForward(model.kernelCase, entries: entries, values: entries.map(value(at:)))
    }
}

extension PreparedTransformerBlock: OutputReading {
    /// `out[T×D]` of the latest forward pass, and (for the bf16 check) its stages' buffers.
    public func value(at e: OutputEntry) -> Double {
        let m = model
        let buffers: [String: AlignedBuffer<T>] = [
            "out": m.output, "x1": m.x1, "qkv": m.qkv, "attention": m.attention, "r1": m.r1, "x2": m.x2,
            "hidden": m.hidden, "activation": m.activation,
        ]
        let shape = TransformerBlockSpec().shape(m.kernelCase)
        guard let buffer = buffers[e.tensor],
            let width = Self.bf16Stages(shape).first(where: { $0.name == e.tensor })?.width,
            (0..<shape.tokens).contains(e.row), (0..<width).contains(e.column)
        else { return .nan }
        return Double(buffer.base[e.row * width + e.column])
    }
}

extension PreparedTransformerBlock: TrainingStepReference {
    public static var kernel: String { "transformer_block_step" }

    /// Every column of `out[T×D]` at positions 0, 1, 2, 7 and 36 (capped at S−1) of the last
    /// sequence; in bf16, every stage of the forward pass there (``verificationEntriesBF16(_:)``).
    public static func verificationEntries(_ kernelCase: KernelCase) -> [OutputEntry] {
        if kernelCase.dtype == .bf16 { return verificationEntriesBF16(kernelCase) }
        let s = TransformerBlockSpec().shape(kernelCase)
        return blockOutputEntries(batch: s.batch, sequence: s.sequence, model: s.model)
    }

    /// Checks values of the first forward pass's `out` at `entries` (any rows) against an fp64
    /// recomputation from the initial state; row `b·S + i` needs rows `b·S ... b·S + i` of x.
    ///
    /// Tolerance per entry: `64·u·√(4D)·max(1, |ref|)`. The block's outputs are O(1)
    /// sums of O(1) terms through LayerNorm (which rescales errors by at most its rstd,
    /// O(1) here), so fp32 round-off stays near `u·√(4D)` (about 1e-6); a wrong op
    /// errs by 1e-2 or more.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func checkFirstForward(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if id.dtype == .bf16 { return checkFirstForwardBF16(id, entries: entries, values: values) }
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let shape = TransformerBlockSpec().shape(id)
        let (s, d, heads, dh) = (shape.sequence, shape.model, shape.heads, shape.headDimension)
        func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
        let x = buffer(shape.tokens * d), y = buffer(shape.tokens * d)
        let g1 = buffer(d), g2 = buffer(d), wqkv = buffer(d * 3 * d), wo = buffer(d * d), w1 = buffer(d * 4 * d),
            w2 = buffer(4 * d * d)
        TransformerBlockStep<T>.initialize(
            id, x: x.pointer, y: y.pointer, ln1Gamma: g1.pointer, ln2Gamma: g2.pointer,
            wqkv: wqkv.pointer, wo: wo.pointer, w1: w1.pointer, w2: w2.pointer, d: d)
        func layerNorm(_ v: [Double]) -> [Double] {
            let mu = v.reduce(0, +) / Double(v.count)
            let varc = v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(v.count)
            let rs = 1 / (varc + Normalization.layerNormEpsilon).squareRoot()
            return v.map { ($0 - mu) * rs }  // γ = 1, β = 0 initially
        }
        func matvec(_ v: [Double], _ w: UnsafeMutablePointer<T>, _ n: Int) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            for i in v.indices where v[i] != 0 {
                let wr = w + i * n
                for j in 0..<n { out[j] += v[i] * Double(wr[j]) }
            }
            return out
        }
        var qkvRows: [Int: [Double]] = [:]
        func input(_ row: Int) -> [Double] { (0..<d).map { Double(x.base[row * d + $0]) } }
        func qkvRow(_ row: Int) -> [Double] {
            if let q = qkvRows[row] { return q }
            let q = matvec(layerNorm(input(row)), wqkv.base, 3 * d)
            qkvRows[row] = q
            return q
        }
        /// Row `r` of the first forward pass's output, in fp64.
        func reference(_ r: Int) -> [Double] {
            let (first, i) = (r / s * s, r % s)
            let qkv = (first...r).map(qkvRow)
            var attn = [Double](repeating: 0, count: d)
            for h in 0..<heads {
                let scores = (0...i).map { j in
                    (0..<dh).reduce(0.0) { $0 + qkv[i][h * dh + $1] * qkv[j][d + h * dh + $1] }
                        / Double(dh).squareRoot()
                }
                let mx = scores.max() ?? 0
                let e = scores.map { Foundation.exp($0 - mx) }
                let z = e.reduce(0, +)
                for j in 0...i { for c in 0..<dh { attn[h * dh + c] += e[j] / z * qkv[j][2 * d + h * dh + c] } }
            }
            let proj = matvec(attn, wo.base, d)
            let xr = input(r)
            let r1 = (0..<d).map { xr[$0] + proj[$0] }
            let hidden = matvec(layerNorm(r1), w1.base, 4 * d)
            let act = hidden.map {
                0.5 * $0 * (1 + Foundation.tanh(Elementwise.geluScale * ($0 + 0.044715 * $0 * $0 * $0)))
            }
            let mlp = matvec(act, w2.base, d)
            return (0..<d).map { r1[$0] + mlp[$0] }
        }
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        var rows: [Int: [Double]] = [:]
        for (entry, got) in zip(entries, values) {
            guard entry.tensor == "out", (0..<shape.tokens).contains(entry.row), (0..<d).contains(entry.column) else {
                return .failed("no reference for \(entry)")
            }
            if rows[entry.row] == nil { rows[entry.row] = reference(entry.row) }
            let ref = rows[entry.row]?[entry.column] ?? .nan
            tally.check(
                "\(entry)", got: got, reference: ref, bound: 64 * u * Double(4 * d).squareRoot() * max(1, abs(ref)))
        }
        return tally.verification("first forward pass vs fp64, |out-ref| <= 64u*sqrt(4D)*max(1,|ref|)")
    }
}

/// Every column of a block's `out[T×D]` at positions 0, 1, 2, 7 and 36 (capped at S−1) of the
/// last sequence: they depend only on positions ≤ 36, so an fp64 reference stays cheap, a broken
/// causal mask shows at once, and row 36's 37 scores run the softmax's vector and tail paths.
func blockOutputEntries(batch: Int, sequence: Int, model: Int) -> [OutputEntry] {
    let base = (batch - 1) * sequence
    let positions = Set([0, 1, 2, 7, 36].map { min($0, sequence - 1) }).sorted()
    return positions.flatMap { i in (0..<model).map { OutputEntry("out", base + i, $0) } }
}

/// The check after later steps: the loss and sampled parameter values are finite.
enum FiniteCheck {
    static func verify<T: NativeScalar>(
        loss: Double, step: Int, names: [String], value: (String) -> UnsafeMutableBufferPointer<T>?
    ) -> Verification {
        var bad = loss.isFinite ? "" : "loss is \(loss)"
        var checked = 1  // the loss
        for name in names where bad.isEmpty {
            guard let v = value(name) else { continue }
            let stride = max(1, v.count / 256)
            for i in Swift.stride(from: 0, to: v.count, by: stride) {
                checked += 1
                if !v[i].isFinite {
                    bad = "\(name)[\(i)] = \(v[i]) after step \(step)"
                    break
                }
            }
        }
        return Verification(
            passed: bad.isEmpty, checkedEntries: checked, worstErrorRatio: bad.isEmpty ? 0 : .infinity,
            maxAbsoluteError: 0, tolerance: "loss and sampled parameters finite", detail: bad)
    }
}
