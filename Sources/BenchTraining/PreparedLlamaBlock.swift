import BenchCore
import BenchRuntime
import Foundation
import Synchronization

/// A `llama_block_step` case ready to run on some matrix engine.
///
/// Verification: after the first step, the first forward pass is recomputed in fp64 for
/// positions 0, 1, 2, 7 and 36 (capped at S−1) of the last sequence — every column of `out` —
/// with RoPE at each position and each query head reading its group's K and V; later steps
/// check that the loss and sampled parameters are finite. Gradients are proven by the test
/// suite (finite differences through the same code, and both engines agreeing).
public final class PreparedLlamaBlock<T: NativeScalar>: PreparedCase {
    public let model: LlamaBlockStep<T>

    public init(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) {
        model = LlamaBlockStep(kernelCase, engine: engine)
    }

    public func run() throws { try model.checkedStep() }

    public func verify() -> Verification {
        guard model.steps == 1 else {
            return FiniteCheck.verify(loss: model.loss, step: model.steps, names: LlamaBlockStep<T>.parameterNames) {
                model.parameter($0)?.value
            }
        }
        let entries = Self.verificationEntries(model.kernelCase)
        return Self.checkFirstForward(model.kernelCase, entries: entries, values: entries.map(value(at:)))
    }
}

extension PreparedLlamaBlock: OutputReading {
    /// `out[T×D]` of the latest forward pass, and (for the bf16 check) its stages' buffers.
    public func value(at e: OutputEntry) -> Double {
        let m = model
        let buffers: [String: AlignedBuffer<T>] = [
            "out": m.output, "xn1": m.xn1, "qkv": m.qkv, "rotated": m.rotated, "attention": m.attention, "r1": m.r1,
            "xn2": m.xn2, "gate": m.gate, "up": m.up, "activation": m.activation,
        ]
        guard let buffer = buffers[e.tensor],
            let width = Self.bf16Stages(m.shape).first(where: { $0.name == e.tensor })?.width,
            (0..<m.shape.tokens).contains(e.row), (0..<width).contains(e.column)
        else { return .nan }
        return Double(buffer.base[e.row * width + e.column])
    }
}

extension PreparedLlamaBlock: TrainingStepReference {
    public static var kernel: String { "llama_block_step" }

    /// Every column of `out[T×D]` at positions 0, 1, 2, 7 and 36 (capped at S−1) of the last
    /// sequence; in bf16, every stage of the forward pass there (``verificationEntriesBF16(_:)``).
    public static func verificationEntries(_ kernelCase: KernelCase) -> [OutputEntry] {
        if kernelCase.dtype == .bf16 { return verificationEntriesBF16(kernelCase) }
        let s = LlamaBlockSpec().shape(kernelCase)
        return blockOutputEntries(batch: s.batch, sequence: s.sequence, model: s.model)
    }

    /// Checks values of the first forward pass's `out` against an fp64 recomputation from the
    /// initial state. Tolerance per entry: `64·u·√(D + H)·max(1, |ref|)`: fp32 round-off of
    /// O(1) sums over at most D + H terms, through RMSNorm's O(1) rescaling; a wrong op errs by
    /// 1e-2 or more.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func checkFirstForward(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if id.dtype == .bf16 { return checkFirstForwardBF16(id, entries: entries, values: values) }
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let s = LlamaBlockSpec().shape(id)
        let d = s.model
        for entry in entries {
            guard entry.tensor == "out", (0..<s.tokens).contains(entry.row), (0..<d).contains(entry.column) else {
                return .failed("no reference for \(entry)")
            }
        }
        let key = "\(id.id)#\(T.self)", needed = Set(entries.map(\.row))
        let kept = latestReference.withLock { latest -> [Int: [Double]]? in
            guard let latest, latest.key == key, needed.isSubset(of: latest.rows.keys) else { return nil }
            return latest.rows
        }
        let rows = kept ?? referenceRows(id, needed.sorted())
        if kept == nil { latestReference.withLock { $0 = (key, rows) } }
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        for (entry, got) in zip(entries, values) {
            let ref = rows[entry.row]?[entry.column] ?? .nan
            tally.check(
                "\(entry)", got: got, reference: ref,
                bound: 64 * u * Double(d + s.hidden).squareRoot() * max(1, abs(ref)))
        }
        return tally.verification("first forward pass vs fp64, |out-ref| <= 64u*sqrt(D+H)*max(1,|ref|)")
    }

    /// Rows `wanted` of the first forward pass's `out`, in fp64 from the initial state.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func referenceRows(_ id: KernelCase, _ wanted: [Int]) -> [Int: [Double]] {
        let s = LlamaBlockSpec().shape(id)
        let (seq, d, w, hd, dkv, hidden) = (s.sequence, s.model, s.qkvWidth, s.headDimension, s.kvWidth, s.hidden)
        func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
        let x = buffer(s.tokens * d), y = buffer(s.tokens * d), g1 = buffer(d), g2 = buffer(d)
        let wqkv = buffer(d * w), wo = buffer(d * d), wg = buffer(d * hidden), wu = buffer(d * hidden)
        let wd = buffer(hidden * d)
        LlamaBlockStep<T>.initialize(
            id, x: x.pointer, y: y.pointer, gammas: [g1.pointer, g2.pointer],
            weights: [
                ("Wqkv", wqkv.pointer, d), ("Wo", wo.pointer, d), ("Wgate", wg.pointer, d), ("Wup", wu.pointer, d),
                ("Wdown", wd.pointer, hidden),
            ])
        func rms(_ v: [Double]) -> [Double] {
            let r = 1 / (v.reduce(0) { $0 + $1 * $1 } / Double(v.count) + Normalization.rmsNormEpsilon).squareRoot()
            return v.map { $0 * r }  // γ = 1 initially
        }
        func matvec(_ v: [Double], _ m: UnsafeMutablePointer<T>, _ n: Int) -> [Double] {
            var out = [Double](repeating: 0, count: n)
            for i in v.indices where v[i] != 0 {
                let row = m + i * n
                for j in 0..<n { out[j] += v[i] * Double(row[j]) }
            }
            return out
        }
        /// RoPE at `position` on `count` heads starting at column `from` of a packed row.
        func rotate(_ v: inout [Double], from: Int, count: Int, position: Int) {
            let half = hd / 2
            for h in 0..<count {
                let o = from + h * hd
                for i in 0..<half {
                    let angle =
                        Double(position) * RotaryEmbedding<Double>.frequency(i, headDim: hd, base: RoPESpec.base)
                    let (x1, x2) = (v[o + i], v[o + i + half])
                    v[o + i] = x1 * Foundation.cos(angle) - x2 * Foundation.sin(angle)
                    v[o + i + half] = x2 * Foundation.cos(angle) + x1 * Foundation.sin(angle)
                }
            }
        }
        var qkvRows: [Int: [Double]] = [:]
        func input(_ row: Int) -> [Double] { (0..<d).map { Double(x.base[row * d + $0]) } }
        func qkvRow(_ row: Int) -> [Double] {
            if let q = qkvRows[row] { return q }
            var q = matvec(rms(input(row)), wqkv.base, w)
            rotate(&q, from: 0, count: s.heads, position: row % seq)
            rotate(&q, from: d, count: s.kvHeads, position: row % seq)
            qkvRows[row] = q
            return q
        }
        let group = s.heads / s.kvHeads
        /// Row `r` of the first forward pass's output, in fp64.
        func reference(_ r: Int) -> [Double] {
            let (first, i) = (r / seq * seq, r % seq)
            let qkv = (first...r).map(qkvRow)
            var attn = [Double](repeating: 0, count: d)
            for h in 0..<s.heads {
                let k0 = d + h / group * hd, v0 = d + dkv + h / group * hd
                let scores = (0...i).map { j in
                    (0..<hd).reduce(0.0) { $0 + qkv[i][h * hd + $1] * qkv[j][k0 + $1] } / Double(hd).squareRoot()
                }
                let mx = scores.max() ?? 0
                let e = scores.map { Foundation.exp($0 - mx) }
                let z = e.reduce(0, +)
                for j in 0...i { for c in 0..<hd { attn[h * hd + c] += e[j] / z * qkv[j][v0 + c] } }
            }
            let proj = matvec(attn, wo.base, d)
            let xr = input(r)
            let r1 = (0..<d).map { xr[$0] + proj[$0] }
            let xn2 = rms(r1)
            let a = matvec(xn2, wg.base, hidden), b = matvec(xn2, wu.base, hidden)
            let act = (0..<hidden).map { a[$0] / (1 + Foundation.exp(-a[$0])) * b[$0] }
            let mlp = matvec(act, wd.base, d)
            return (0..<d).map { r1[$0] + mlp[$0] }
        }
        return Dictionary(uniqueKeysWithValues: wanted.map { ($0, reference($0)) })
    }
}

/// The reference rows of the Llama block case verified last (its key: case id and storage
/// type), for the other backends' verification of the same case: recomputing them meant
/// initialising the case's weights again (873 MB at the Llama-3-8B shape).
private let latestReference = Mutex<(key: String, rows: [Int: [Double]])?>(nil)
