import BenchCore
import BenchRuntime
import Foundation

/// Builds the prepared case of any training kernel (steps and per-op microkernels) for an engine.
public enum TrainingKernels {
    /// The kernels this module implements.
    public static let names: Set<String> = [
        "mlp_step", "transformer_block_step", "layernorm_fwd_bwd", "softmax_xent_fwd_bwd", "attention_fwd_bwd", "adamw_update",
    ]

    /// A prepared case of `kernelCase` (a validated case of one of ``names``) on `engine`.
    public static func prepare<T: NativeScalar>(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) throws -> any PreparedCase {
        switch kernelCase.kernel {
        case "mlp_step": return PreparedMLP<T>(kernelCase, engine: engine)
        case "transformer_block_step": return PreparedTransformerBlock<T>(kernelCase, engine: engine)
        case "layernorm_fwd_bwd": return PreparedLayerNorm<T>(kernelCase, threads: engine.threads)
        case "softmax_xent_fwd_bwd": return PreparedSoftmaxCrossEntropy<T>(kernelCase, threads: engine.threads)
        case "attention_fwd_bwd": return PreparedAttention<T>(kernelCase, engine: engine)
        case "adamw_update": return PreparedAdamW<T>(kernelCase, threads: engine.threads)
        default: throw BackendError.unsupportedKernel(backend: "training", kernel: kernelCase.kernel)
        }
    }
}

/// Shared bookkeeping of the per-op verifications: worst error ratio and first failure.
struct ErrorTally {
    var worst = 0.0, maxAbs = 0.0, checked = 0
    var detail = ""

    mutating func check(_ label: @autoclosure () -> String, got: Double, reference: Double, bound: Double) {
        let err = abs(got - reference)
        let ratio = got.isFinite ? err / (bound + .leastNormalMagnitude) : .infinity
        if ratio > worst {
            worst = ratio
            if ratio > 1, detail.isEmpty { detail = "\(label()) = \(got), reference \(reference), |error| \(err) > bound \(bound)" }
        }
        if got.isFinite { maxAbs = max(maxAbs, err) }
        checked += 1
    }

    func verification(_ tolerance: String) -> Verification {
        Verification(passed: worst <= 1, checkedEntries: checked, worstErrorRatio: worst, maxAbsoluteError: maxAbs,
                     tolerance: tolerance, detail: detail)
    }
}

/// `layernorm_fwd_bwd`: x, γ, β, dy from the generator (operands `x`, `gamma`, `beta`, `dy`).
final class PreparedLayerNorm<T: NativeScalar>: PreparedCase {
    let id: String, rows: Int, cols: Int, threads: Int
    let x: AlignedBuffer<T>, gamma: AlignedBuffer<T>, beta: AlignedBuffer<T>, dy: AlignedBuffer<T>
    let y: AlignedBuffer<T>, dx: AlignedBuffer<T>, dGamma: AlignedBuffer<T>, dBeta: AlignedBuffer<T>
    let mean: AlignedBuffer<T>, rstd: AlignedBuffer<T>

    init(_ c: KernelCase, threads: Int) {
        id = c.id
        (rows, cols, self.threads) = (c.integer("T") ?? 0, c.integer("D") ?? 0, threads)
        func buffer(_ n: Int, _ operand: String? = nil) -> AlignedBuffer<T> {
            let b = AlignedBuffer<T>(count: n, repeating: 0)
            if let operand { b.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: operand)) }
            return b
        }
        (x, gamma, beta, dy) = (buffer(rows * cols, "x"), buffer(cols, "gamma"), buffer(cols, "beta"), buffer(rows * cols, "dy"))
        (y, dx, dGamma, dBeta) = (buffer(rows * cols), buffer(rows * cols), buffer(cols), buffer(cols))
        (mean, rstd) = (buffer(rows), buffer(rows))
    }

    func run() throws {
        Normalization.layerNormForward(x.base, gamma: gamma.base, beta: beta.base, y: y.base, mean: mean.base, rstd: rstd.base,
                                       rows: rows, cols: cols, threads: threads)
        Normalization.layerNormBackward(dy.base, x: x.base, mean: mean.base, rstd: rstd.base, gamma: gamma.base, dx: dx.base,
                                        accumulate: false, dGamma: dGamma.base, dBeta: dBeta.base, rows: rows, cols: cols, threads: threads)
    }

    /// Rows 0 and T−1 of y and dx, and dβ's first entries, in fp64; bound `16·D·u·(1 + |ref|)`.
    func verify() -> Verification {
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        for r in Set([0, rows - 1]) {
            let xr = (0..<cols).map { Double(x.base[r * cols + $0]) }
            let mu = xr.reduce(0, +) / Double(cols)
            let rs = 1 / (xr.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(cols) + Normalization.layerNormEpsilon).squareRoot()
            let xhat = xr.map { ($0 - mu) * rs }
            let g = (0..<cols).map { Double(dy.base[r * cols + $0]) * Double(gamma.base[$0]) }
            let a = g.reduce(0, +) / Double(cols)
            let b = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / Double(cols)
            for j in 0..<cols {
                let yRef = xhat[j] * Double(gamma.base[j]) + Double(beta.base[j])
                tally.check("y[\(r),\(j)]", got: Double(y.base[r * cols + j]), reference: yRef, bound: 16 * Double(cols) * u * (1 + abs(yRef)))
                let dxRef = rs * (g[j] - a - xhat[j] * b)
                tally.check("dx[\(r),\(j)]", got: Double(dx.base[r * cols + j]), reference: dxRef, bound: 16 * Double(cols) * u * (1 + abs(dxRef)) * rs)
            }
        }
        for j in 0..<min(cols, 8) {
            let ref = (0..<rows).reduce(0.0) { $0 + Double(dy.base[$1 * cols + j]) }
            tally.check("dbeta[\(j)]", got: Double(dBeta.base[j]), reference: ref, bound: 4 * Double(rows) * u * Double(rows).squareRoot())
        }
        return tally.verification("rows 0 and T-1 of y, dx and dbeta[0..<8] vs fp64, |err| <= 16*D*u*(1+|ref|)")
    }
}

/// `softmax_xent_fwd_bwd`: logits = 4·uniform(`logits`), target of row r = ⌊(uniform(`targets`)+1)/2·V⌋.
final class PreparedSoftmaxCrossEntropy<T: NativeScalar>: PreparedCase {
    let rows: Int, vocabulary: Int, threads: Int
    let logits: AlignedBuffer<T>, work: AlignedBuffer<T>, targets: AlignedBuffer<Int32>, rowLoss: AlignedBuffer<Double>
    var loss = Double.nan

    init(_ c: KernelCase, threads: Int) {
        (rows, vocabulary, self.threads) = (c.integer("T") ?? 0, c.integer("V") ?? 0, threads)
        logits = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "logits"))
        for i in 0..<logits.count { logits.base[i] = T(4 * g.nextUniform()) }
        work = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        targets = AlignedBuffer(count: rows, repeating: 0)
        g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"))
        for r in 0..<rows { targets.base[r] = Int32(min(vocabulary - 1, Int((g.nextUniform() + 1) / 2 * Double(vocabulary)))) }
        rowLoss = AlignedBuffer(count: rows, repeating: 0)
    }

    func run() throws {
        // The kernel works in place, so each call starts from a fresh copy of the logits (counted as its read).
        Elementwise.copy(logits.base, to: work.base, count: rows * vocabulary, threads: threads)
        loss = SoftmaxCrossEntropy.forwardBackward(logits: work.base, targets: targets.base, rows: rows, vocabulary: vocabulary,
                                                   rowLoss: rowLoss.base, threads: threads)
    }

    /// Rows 0 and T−1 of the gradient and their losses in fp64; bound `8·V·u·(|ref| + 1/T)`.
    func verify() -> Verification {
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        for r in Set([0, rows - 1]) {
            let l = (0..<vocabulary).map { Double(logits.base[r * vocabulary + $0]) }
            let mx = l.max() ?? 0
            let e = l.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            let t = Int(targets.base[r])
            tally.check("loss[\(r)]", got: rowLoss.base[r], reference: -Foundation.log(e[t] / z), bound: 8 * Double(vocabulary) * u)
            for j in 0..<vocabulary {
                let ref = (e[j] / z - (j == t ? 1 : 0)) / Double(rows)
                tally.check("dlogits[\(r),\(j)]", got: Double(work.base[r * vocabulary + j]), reference: ref,
                            bound: 8 * Double(vocabulary) * u * (abs(ref) + 1 / Double(rows)))
            }
        }
        return tally.verification("rows 0 and T-1 of the loss and gradient vs fp64, |err| <= 8*V*u*(|ref|+1/T)")
    }
}

/// `attention_fwd_bwd`: qkv = uniform(`qkv`) [T×3D], dO = uniform(`dout`) [T×D].
final class PreparedAttention<T: NativeScalar>: PreparedCase {
    let op: CausalAttention<T>
    let engine: any MatrixEngine<T>
    let qkv: AlignedBuffer<T>, outGradient: AlignedBuffer<T>, out: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>
    let probabilities: AlignedBuffer<T>, scratch: AlignedBuffer<T>

    init(_ c: KernelCase, engine: any MatrixEngine<T>) {
        let (b, s, d, h) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        op = CausalAttention(batch: b, sequence: s, model: d, heads: h)
        self.engine = engine
        let t = b * s
        qkv = AlignedBuffer(count: t * 3 * d, repeating: 0)
        qkv.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "qkv"))
        outGradient = AlignedBuffer(count: t * d, repeating: 0)
        outGradient.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "dout"))
        out = AlignedBuffer(count: t * d, repeating: .nan)
        qkvGradient = AlignedBuffer(count: t * 3 * d, repeating: .nan)
        probabilities = AlignedBuffer(count: b * h * s * s, repeating: 0)
        scratch = AlignedBuffer(count: s * s, repeating: 0)
    }

    func run() throws {
        op.forward(engine: engine, qkv: qkv.base, probabilities: probabilities.base, out: out.base)
        op.backward(engine: engine, qkv: qkv.base, probabilities: probabilities.base, outGradient: outGradient.base,
                    qkvGradient: qkvGradient.base, scratch: scratch.base)
    }

    /// O and dQ at positions 0, 1, 2 and 7 of the last sequence, every head, in fp64
    /// (they depend only on positions ≤ 7); bound `32·u·√S·(1 + |ref|)·√dₕ`.
    func verify() -> Verification {
        let (s, d, heads, dh) = (op.sequence, op.model, op.heads, op.headDimension)
        let base = (op.batch - 1) * s
        let u = T.dtype.unitRoundoff ?? 1e-16
        let scale = 1 / Double(dh).squareRoot()
        func q(_ i: Int, _ c: Int) -> Double { Double(qkv.base[(base + i) * 3 * d + c]) }
        var tally = ErrorTally()
        // Short rows, one past a 16-lane vector plus a masked tail, one of 64 + 16 + a tail, and
        // the last (longest) row: the vector paths of the row maximum and exponential all run.
        let positions = [0, 1, 2, 7, 36, 90, s - 1]
        for i in Set(positions.map { min($0, s - 1) }).sorted() {
            for h in 0..<heads {
                let scores = (0...i).map { j in (0..<dh).reduce(0.0) { $0 + q(i, h * dh + $1) * q(j, d + h * dh + $1) } * scale }
                let mx = scores.max() ?? 0
                let e = scores.map { Foundation.exp($0 - mx) }
                let z = e.reduce(0, +)
                let p = e.map { $0 / z }
                let dO = (0..<dh).map { Double(outGradient.base[(base + i) * d + h * dh + $0]) }
                let dp = (0...i).map { j in (0..<dh).reduce(0.0) { $0 + dO[$1] * q(j, 2 * d + h * dh + $1) } }
                let dot = zip(p, dp).reduce(0) { $0 + $1.0 * $1.1 }
                let ds = (0...i).map { p[$0] * (dp[$0] - dot) * scale }
                let bound = 32 * u * Double(s).squareRoot() * Double(dh).squareRoot()
                for c in 0..<dh {
                    let oRef = (0...i).reduce(0.0) { $0 + p[$1] * q($1, 2 * d + h * dh + c) }
                    tally.check("O[\(base + i),\(h * dh + c)]", got: Double(out.base[(base + i) * d + h * dh + c]), reference: oRef,
                                bound: bound * (1 + abs(oRef)))
                    let dqRef = (0...i).reduce(0.0) { $0 + ds[$1] * q($1, d + h * dh + c) }
                    tally.check("dQ[\(base + i),\(h * dh + c)]", got: Double(qkvGradient.base[(base + i) * 3 * d + h * dh + c]),
                                reference: dqRef, bound: bound * (1 + abs(dqRef)) * Double(dh).squareRoot())
                }
            }
        }
        return tally.verification("O and dQ at positions 0,1,2,7,36,90,S−1 of the last sequence vs fp64")
    }
}

/// `adamw_update`: w = uniform(`w`), g = uniform(`g`), m = v = 0; each call is one more step.
final class PreparedAdamW<T: NativeScalar>: PreparedCase {
    let count: Int, threads: Int, id: String
    let w: AlignedBuffer<T>, g: AlignedBuffer<T>, m: AlignedBuffer<T>, v: AlignedBuffer<T>
    var steps = 0

    init(_ c: KernelCase, threads: Int) {
        (id, count, self.threads) = (c.id, c.integer("N") ?? 0, threads)
        w = AlignedBuffer(count: count, repeating: 0)
        w.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "w"))
        g = AlignedBuffer(count: count, repeating: 0)
        g.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "g"))
        (m, v) = (AlignedBuffer(count: count, repeating: 0), AlignedBuffer(count: count, repeating: 0))
    }

    func run() throws {
        steps += 1
        OptimizerUpdate.adamw(w: w.base, g: g.base, m: m.base, v: v.base, count: count, step: steps, threads: threads)
    }

    /// After the first step, sampled entries against the closed form
    /// `w₁ = w₀ − lr·(g/(|g| + ε) + λ·w₀)` (m̂ = g, v̂ = g² at t = 1); later, finiteness.
    func verify() -> Verification {
        guard steps == 1 else {
            return FiniteCheck.verify(loss: 0, step: steps, names: ["w"]) { _ in w.pointer }
        }
        let u = T.dtype.unitRoundoff ?? 1e-16
        var w0 = SplitMix64(seed: InputSeed.seed(caseID: id, operand: "w"))
        var g0 = SplitMix64(seed: InputSeed.seed(caseID: id, operand: "g"))
        var tally = ErrorTally()
        let lr = OptimizerUpdate.adamLearningRate, decay = OptimizerUpdate.weightDecay
        for i in 0..<min(count, 4096) {
            let wi = Double(T(w0.nextUniform())), gi = Double(T(g0.nextUniform()))
            let ref = wi - lr * (gi / (abs(gi) + OptimizerUpdate.epsilon) + decay * wi)
            tally.check("w[\(i)]", got: Double(w.base[i]), reference: ref, bound: 16 * u * (abs(wi) + lr))
        }
        return tally.verification("first step vs the closed form w0 - lr*(g/(|g|+eps) + wd*w0), |err| <= 16u(|w0|+lr)")
    }
}
