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
        if model.steps == 1 { return verifyFirstForward() }
        return FiniteCheck.verify(loss: model.loss, step: model.steps, names: TransformerBlockStep<T>.parameterNames) {
            model.parameter($0)?.value
        }
    }

    /// Tolerance per entry: `64·u·√(4D)·max(1, |ref|)`. The block's outputs are O(1)
    /// sums of O(1) terms through LayerNorm (which rescales errors by at most its rstd,
    /// O(1) here), so fp32 round-off stays near `u·√(4D)` (about 1e-6); a wrong op
    /// errs by 1e-2 or more.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func verifyFirstForward() -> Verification {
        let (s, d, heads, dh) = (model.sequence, model.model, model.heads, model.headDimension)
        let id = model.kernelCase
        func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
        let x = buffer(model.tokens * d), y = buffer(model.tokens * d)
        let g1 = buffer(d), g2 = buffer(d), wqkv = buffer(d * 3 * d), wo = buffer(d * d), w1 = buffer(d * 4 * d), w2 = buffer(4 * d * d)
        TransformerBlockStep<T>.initialize(id, x: x.pointer, y: y.pointer, ln1Gamma: g1.pointer, ln2Gamma: g2.pointer,
                                           wqkv: wqkv.pointer, wo: wo.pointer, w1: w1.pointer, w2: w2.pointer, d: d)
        let positions = Array(Set([0, 1, 2, 7, 36].map { min($0, s - 1) })).sorted()
        let count = (positions.last ?? 0) + 1
        let base = (model.batch - 1) * s
        func row(_ p: UnsafeMutablePointer<T>, _ r: Int, _ cols: Int) -> [Double] { (0..<cols).map { Double(p[r * cols + $0]) } }
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
        let inputs = (0..<count).map { row(x.base, base + $0, d) }
        let qkv = inputs.map { matvec(layerNorm($0), wqkv.base, 3 * d) }
        let u = T.dtype.unitRoundoff ?? 1e-16
        var worst = 0.0, maxAbs = 0.0, detail = "", checked = 0
        for i in positions {
            var attn = [Double](repeating: 0, count: d)
            for h in 0..<heads {
                let scores = (0...i).map { j in (0..<dh).reduce(0.0) { $0 + qkv[i][h * dh + $1] * qkv[j][d + h * dh + $1] } / Double(dh).squareRoot() }
                let mx = scores.max() ?? 0
                let e = scores.map { Foundation.exp($0 - mx) }
                let z = e.reduce(0, +)
                for j in 0...i { for c in 0..<dh { attn[h * dh + c] += e[j] / z * qkv[j][2 * d + h * dh + c] } }
            }
            let proj = matvec(attn, wo.base, d)
            let r1 = (0..<d).map { inputs[i][$0] + proj[$0] }
            let hidden = matvec(layerNorm(r1), w1.base, 4 * d)
            let act = hidden.map { 0.5 * $0 * (1 + Foundation.tanh(Elementwise.geluScale * ($0 + 0.044715 * $0 * $0 * $0))) }
            let mlp = matvec(act, w2.base, d)
            for c in 0..<d {
                let ref = r1[c] + mlp[c]
                let got = Double(model.output.base[(base + i) * d + c])
                let bound = 64 * u * Double(4 * d).squareRoot() * max(1, abs(ref))
                let err = abs(got - ref)
                let ratio = got.isFinite ? err / bound : .infinity
                if ratio > worst {
                    worst = ratio
                    if ratio > 1, detail.isEmpty { detail = "out[\(base + i),\(c)] = \(got), reference \(ref), |error| \(err) > bound \(bound)" }
                }
                if got.isFinite { maxAbs = max(maxAbs, err) }
                checked += 1
            }
        }
        return Verification(passed: worst <= 1, checkedEntries: checked, worstErrorRatio: worst, maxAbsoluteError: maxAbs,
                            tolerance: "first forward pass at positions 0,1,2,7,36 of the last sequence vs fp64, |out-ref| <= 64u*sqrt(4D)*max(1,|ref|)",
                            detail: detail)
    }
}

/// The check after later steps: the loss and sampled parameter values are finite.
enum FiniteCheck {
    static func verify<T: NativeScalar>(
        loss: Double, step: Int, names: [String], value: (String) -> UnsafeMutableBufferPointer<T>?
    ) -> Verification {
        var bad = loss.isFinite ? "" : "loss is \(loss)"
        for name in names where bad.isEmpty {
            guard let v = value(name) else { continue }
            let stride = max(1, v.count / 256)
            for i in Swift.stride(from: 0, to: v.count, by: stride) where !v[i].isFinite {
                bad = "\(name)[\(i)] = \(v[i]) after step \(step)"
                break
            }
        }
        return Verification(passed: bad.isEmpty, checkedEntries: 0, worstErrorRatio: bad.isEmpty ? 0 : .infinity,
                            maxAbsoluteError: 0, tolerance: "loss and sampled parameters finite", detail: bad)
    }
}
