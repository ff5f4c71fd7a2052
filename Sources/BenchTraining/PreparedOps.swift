import BenchCore
import BenchRuntime
import Foundation

/// Builds the prepared case of any training kernel (steps and per-op microkernels) for an engine.
public enum TrainingKernels {
    /// The kernels this module implements.
    public static let names: Set<String> = [
        "mlp_step", "transformer_block_step", "layernorm_fwd_bwd", "softmax_xent_fwd_bwd", "attention_fwd_bwd",
        "adamw_update",
    ]

    /// A prepared case of `kernelCase` (a validated case of one of ``names``) on `engine`.
    public static func prepare<T: NativeScalar>(_ kernelCase: KernelCase, engine: any MatrixEngine<T>) throws
        -> any PreparedCase
    {
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

/// `layernorm_fwd_bwd`: x, γ, β, dy from the generator (operands `x`, `gamma`, `beta`, `dy`).
final class PreparedLayerNorm<T: NativeScalar>: PreparedCase {
    let kernelCase: KernelCase, rows: Int, cols: Int, threads: Int
    let x: AlignedBuffer<T>, gamma: AlignedBuffer<T>, beta: AlignedBuffer<T>, dy: AlignedBuffer<T>
    let y: AlignedBuffer<T>, dx: AlignedBuffer<T>, dGamma: AlignedBuffer<T>, dBeta: AlignedBuffer<T>
    let mean: AlignedBuffer<T>, rstd: AlignedBuffer<T>

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        (rows, cols, self.threads) = (c.integer("T") ?? 0, c.integer("D") ?? 0, threads)
        func buffer(_ n: Int, _ operand: String? = nil) -> AlignedBuffer<T> {
            let b = AlignedBuffer<T>(count: n, repeating: 0)
            if let operand { b.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: operand)) }
            return b
        }
        (x, gamma, beta, dy) = (
            buffer(rows * cols, "x"), buffer(cols, "gamma"), buffer(cols, "beta"), buffer(rows * cols, "dy")
        )
        (y, dx, dGamma, dBeta) = (buffer(rows * cols), buffer(rows * cols), buffer(cols), buffer(cols))
        (mean, rstd) = (buffer(rows), buffer(rows))
    }

    func run() throws {
        Normalization.layerNormForward(
            x.base, gamma: gamma.base, beta: beta.base, y: y.base, mean: mean.base, rstd: rstd.base,
            rows: rows, cols: cols, threads: threads)
        Normalization.layerNormBackward(
            dy.base, x: x.base, mean: mean.base, rstd: rstd.base, gamma: gamma.base, dx: dx.base,
            accumulate: false, dGamma: dGamma.base, dBeta: dBeta.base, rows: rows, cols: cols, threads: threads)
    }

    func verify() -> Verification {
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: 1)
    }
}

extension PreparedLayerNorm: OutputReading {
    /// `y`, `dx` (T×D), `dgamma`, `dbeta` (D).
    func value(at e: OutputEntry) -> Double {
        let outputs = ["y": y, "dx": dx, "dbeta": dBeta, "dgamma": dGamma]
        return outputs[e.tensor].map { Double($0.base[e.row * cols + e.column]) } ?? .nan
    }
}

extension PreparedLayerNorm: KernelReference {
    static var kernel: String { "layernorm_fwd_bwd" }

    /// Rows 0 and T−1 of `y` and `dx` (T×D), and `dbeta[0..<8]`.
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("D") ?? 0)
        return Set([0, rows - 1]).sorted().flatMap { r in
            (0..<cols).flatMap { [OutputEntry("y", r, $0), OutputEntry("dx", r, $0)] }
        }
            + (0..<min(cols, 8)).map { OutputEntry("dbeta", 0, $0) }
    }

    /// Every call computes the same outputs: fp64 from the regenerated inputs, bound
    /// `16·D·u·(1 + |ref|)` (times rstd for dx) and `4·T·u·√T` for dβ's sums.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("D") ?? 0)
        let u = T.dtype.unitRoundoff ?? 1e-16
        let gamma = SplitMix64.uniforms(c, "gamma", count: cols, as: T.self)
        let beta = SplitMix64.uniforms(c, "beta", count: cols, as: T.self)
        var rowReference: [Int: (y: [Double], dx: [Double], rstd: Double)] = [:]
        func reference(_ r: Int) -> (y: [Double], dx: [Double], rstd: Double) {
            if let cached = rowReference[r] { return cached }
            let xr = SplitMix64.uniforms(c, "x", offset: r * cols, count: cols, as: T.self)
            let dy = SplitMix64.uniforms(c, "dy", offset: r * cols, count: cols, as: T.self)
            let mu = xr.reduce(0, +) / Double(cols)
            let rs =
                1
                / (xr.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(cols) + Normalization.layerNormEpsilon)
                .squareRoot()
            let xhat = xr.map { ($0 - mu) * rs }
            let g = (0..<cols).map { dy[$0] * gamma[$0] }
            let a = g.reduce(0, +) / Double(cols)
            let b = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / Double(cols)
            let result = (
                (0..<cols).map { xhat[$0] * gamma[$0] + beta[$0] }, (0..<cols).map { rs * (g[$0] - a - xhat[$0] * b) },
                rs
            )
            rowReference[r] = result
            return result
        }
        lazy var dBeta: [Double] = {
            var sums = [Double](repeating: 0, count: cols)
            var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "dy"))
            for i in 0..<rows * cols { sums[i % cols] += Double(T(g.nextUniform())) }
            return sums
        }()
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            guard (0..<(e.tensor == "dbeta" ? 1 : rows)).contains(e.row), (0..<cols).contains(e.column) else {
                return .failed("no reference for \(e)")
            }
            switch e.tensor {
            case "y":
                let ref = reference(e.row).y[e.column]
                tally.check("\(e)", got: got, reference: ref, bound: 16 * Double(cols) * u * (1 + abs(ref)))
            case "dx":
                let (ref, rs) = (reference(e.row).dx[e.column], reference(e.row).rstd)
                tally.check("\(e)", got: got, reference: ref, bound: 16 * Double(cols) * u * (1 + abs(ref)) * rs)
            case "dbeta":
                tally.check(
                    "\(e)", got: got, reference: dBeta[e.column],
                    bound: 4 * Double(rows) * u * Double(rows).squareRoot())
            default: return .failed("no reference for \(e)")
            }
        }
        return tally.verification("rows 0 and T-1 of y, dx and dbeta[0..<8] vs fp64, |err| <= 16*D*u*(1+|ref|)")
    }
}

/// `softmax_xent_fwd_bwd`: logits = 4·uniform(`logits`), target of row r = ⌊(uniform(`targets`)+1)/2·V⌋.
final class PreparedSoftmaxCrossEntropy<T: NativeScalar>: PreparedCase {
    let kernelCase: KernelCase, rows: Int, vocabulary: Int, threads: Int
    let logits: AlignedBuffer<T>, work: AlignedBuffer<T>, targets: AlignedBuffer<Int32>, rowLoss: AlignedBuffer<Double>
    var loss = Double.nan

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        (rows, vocabulary, self.threads) = (c.integer("T") ?? 0, c.integer("V") ?? 0, threads)
        logits = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "logits"))
        for i in 0..<logits.count { logits.base[i] = Self.logit(g.nextUniform()) }
        work = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        targets = AlignedBuffer(count: rows, repeating: 0)
        g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"))
        for r in 0..<rows { targets.base[r] = Int32(Self.target(g.nextUniform(), vocabulary: vocabulary)) }
        rowLoss = AlignedBuffer(count: rows, repeating: 0)
    }

    func run() throws {
        // The kernel works in place, so each call starts from a fresh copy of the logits (counted as its read).
        Elementwise.copy(logits.base, to: work.base, count: rows * vocabulary, threads: threads)
        loss = SoftmaxCrossEntropy.forwardBackward(
            logits: work.base, targets: targets.base, rows: rows, vocabulary: vocabulary,
            rowLoss: rowLoss.base, threads: threads)
    }

    func verify() -> Verification {
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: 1)
    }

    /// A logit from a generator value: `4·uniform`, in the dtype.
    static func logit(_ uniform: Double) -> T { T(4 * uniform) }
    /// A target class from a generator value: `⌊(uniform + 1)/2 · V⌋`, at most V − 1.
    static func target(_ uniform: Double, vocabulary: Int) -> Int {
        min(vocabulary - 1, Int((uniform + 1) / 2 * Double(vocabulary)))
    }
}

extension PreparedSoftmaxCrossEntropy: OutputReading {
    /// `loss` (T) and `dlogits` (T×V).
    func value(at e: OutputEntry) -> Double {
        switch e.tensor {
        case "loss": rowLoss.base[e.column]
        case "dlogits": Double(work.base[e.row * vocabulary + e.column])
        default: .nan
        }
    }
}

extension PreparedSoftmaxCrossEntropy: KernelReference {
    static var kernel: String { "softmax_xent_fwd_bwd" }

    /// For rows 0 and T−1: the row's loss (`loss`, a vector of T) and its gradient row (`dlogits`, T×V).
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (rows, vocabulary) = (c.integer("T") ?? 0, c.integer("V") ?? 0)
        return Set([0, rows - 1]).sorted().flatMap { r in
            [OutputEntry("loss", 0, r)] + (0..<vocabulary).map { OutputEntry("dlogits", r, $0) }
        }
    }

    /// Every call computes the same outputs: fp64 from the regenerated logits and targets,
    /// bound `8·V·u` for a loss and `8·V·u·(|ref| + 1/T)` for a gradient entry.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (rows, vocabulary) = (c.integer("T") ?? 0, c.integer("V") ?? 0)
        let u = T.dtype.unitRoundoff ?? 1e-16
        var rowReference: [Int: (loss: Double, gradient: [Double])] = [:]
        func reference(_ r: Int) -> (loss: Double, gradient: [Double]) {
            if let cached = rowReference[r] { return cached }
            var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "logits"), skipping: r * vocabulary)
            let l = (0..<vocabulary).map { _ in Double(logit(g.nextUniform())) }
            var tg = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"), skipping: r)
            let t = target(tg.nextUniform(), vocabulary: vocabulary)
            let mx = l.max() ?? 0
            let e = l.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            let result = (
                -Foundation.log(e[t] / z), (0..<vocabulary).map { (e[$0] / z - ($0 == t ? 1 : 0)) / Double(rows) }
            )
            rowReference[r] = result
            return result
        }
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            switch e.tensor {
            case "loss" where e.row == 0 && (0..<rows).contains(e.column):
                tally.check("\(e)", got: got, reference: reference(e.column).loss, bound: 8 * Double(vocabulary) * u)
            case "dlogits" where (0..<rows).contains(e.row) && (0..<vocabulary).contains(e.column):
                let ref = reference(e.row).gradient[e.column]
                tally.check(
                    "\(e)", got: got, reference: ref, bound: 8 * Double(vocabulary) * u * (abs(ref) + 1 / Double(rows)))
            default: return .failed("no reference for \(e)")
            }
        }
        return tally.verification("rows 0 and T-1 of the loss and gradient vs fp64, |err| <= 8*V*u*(|ref|+1/T)")
    }
}

/// `attention_fwd_bwd`: qkv = uniform(`qkv`) [T×3D], dO = uniform(`dout`) [T×D].
final class PreparedAttention<T: NativeScalar>: PreparedCase {
    let kernelCase: KernelCase
    let op: CausalAttention<T>
    let engine: any MatrixEngine<T>
    let qkv: AlignedBuffer<T>, outGradient: AlignedBuffer<T>, out: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>
    let probabilities: AlignedBuffer<T>, scratch: AlignedBuffer<T>

    init(_ c: KernelCase, engine: any MatrixEngine<T>) {
        let (b, s, d, h) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        op = CausalAttention(batch: b, sequence: s, model: d, heads: h)
        kernelCase = c
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
        op.backward(
            engine: engine, qkv: qkv.base, probabilities: probabilities.base, outGradient: outGradient.base,
            qkvGradient: qkvGradient.base, scratch: scratch.base)
    }

    func verify() -> Verification {
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: 1)
    }
}

extension PreparedAttention: OutputReading {
    /// `out` (T×D) and `dqkv` (T×3D).
    func value(at e: OutputEntry) -> Double {
        switch e.tensor {
        case "out": Double(out.base[e.row * op.model + e.column])
        case "dqkv": Double(qkvGradient.base[e.row * 3 * op.model + e.column])
        default: .nan
        }
    }
}

extension PreparedAttention: KernelReference {
    static var kernel: String { "attention_fwd_bwd" }

    /// `out` (T×D) and the dQ columns of `dqkv` (T×3D) at positions 0, 1, 2, 7, 36, 90 and
    /// S−1 of the last sequence, every head: short rows, one past a 16-lane vector plus a
    /// masked tail, one of 64 + 16 + a tail, and the longest, so that the vector paths of
    /// the row maximum and exponential all run.
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (b, s, d) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0)
        let base = (b - 1) * s
        return Set([0, 1, 2, 7, 36, 90, s - 1].map { min($0, s - 1) }).sorted().flatMap { i in
            (0..<d).flatMap { [OutputEntry("out", base + i, $0), OutputEntry("dqkv", base + i, $0)] }
        }
    }

    /// Every call computes the same outputs: fp64 from the regenerated qkv and dO (row
    /// `b·S + i` depends on rows `b·S ... b·S + i` only), bound `32·u·√S·√dₕ·(1 + |ref|)`,
    /// times `√dₕ` for dQ.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (b, s, d, heads) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        let dh = d / heads
        let u = T.dtype.unitRoundoff ?? 1e-16
        let scale = 1 / Double(dh).squareRoot()
        var qkvRows: [Int: [Double]] = [:]
        func q(_ row: Int, _ column: Int) -> Double {
            if qkvRows[row] == nil {
                qkvRows[row] = SplitMix64.uniforms(c, "qkv", offset: row * 3 * d, count: 3 * d, as: T.self)
            }
            return qkvRows[row]?[column] ?? .nan
        }
        var rowReference: [Int: (out: [Double], dq: [Double])] = [:]
        func reference(_ r: Int) -> (out: [Double], dq: [Double]) {
            if let cached = rowReference[r] { return cached }
            let (first, i) = (r / s * s, r % s)
            let dO = SplitMix64.uniforms(c, "dout", offset: r * d, count: d, as: T.self)
            var (o, dq) = ([Double](repeating: 0, count: d), [Double](repeating: 0, count: d))
            for h in 0..<heads {
                let scores = (0...i).map { j in
                    (0..<dh).reduce(0.0) { $0 + q(r, h * dh + $1) * q(first + j, d + h * dh + $1) } * scale
                }
                let mx = scores.max() ?? 0
                let e = scores.map { Foundation.exp($0 - mx) }
                let z = e.reduce(0, +)
                let p = e.map { $0 / z }
                let dp = (0...i).map { j in
                    (0..<dh).reduce(0.0) { $0 + dO[h * dh + $1] * q(first + j, 2 * d + h * dh + $1) }
                }
                let dot = zip(p, dp).reduce(0) { $0 + $1.0 * $1.1 }
                let ds = (0...i).map { p[$0] * (dp[$0] - dot) * scale }
                for col in 0..<dh {
                    o[h * dh + col] = (0...i).reduce(0.0) { $0 + p[$1] * q(first + $1, 2 * d + h * dh + col) }
                    dq[h * dh + col] = (0...i).reduce(0.0) { $0 + ds[$1] * q(first + $1, d + h * dh + col) }
                }
            }
            rowReference[r] = (o, dq)
            return (o, dq)
        }
        let bound = 32 * u * Double(s).squareRoot() * Double(dh).squareRoot()
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            guard (0..<b * s).contains(e.row), (0..<d).contains(e.column), e.tensor == "out" || e.tensor == "dqkv"
            else {
                return .failed("no reference for \(e)")
            }
            if e.tensor == "out" {
                let ref = reference(e.row).out[e.column]
                tally.check("O[\(e.row),\(e.column)]", got: got, reference: ref, bound: bound * (1 + abs(ref)))
            } else {
                let ref = reference(e.row).dq[e.column]
                tally.check(
                    "dQ[\(e.row),\(e.column)]", got: got, reference: ref,
                    bound: bound * (1 + abs(ref)) * Double(dh).squareRoot())
            }
        }
        return tally.verification("O and dQ at positions 0,1,2,7,36,90,S−1 of the last sequence vs fp64")
    }
}

/// `adamw_update`: w = uniform(`w`), g = uniform(`g`), m = v = 0; each call is one more step.
final class PreparedAdamW<T: NativeScalar>: PreparedCase {
    let count: Int, threads: Int, kernelCase: KernelCase
    let w: AlignedBuffer<T>, g: AlignedBuffer<T>, m: AlignedBuffer<T>, v: AlignedBuffer<T>
    var steps = 0

    init(_ c: KernelCase, threads: Int) {
        (kernelCase, count, self.threads) = (c, c.integer("N") ?? 0, threads)
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

    /// After the first step, ``check(_:entries:values:calls:)``; later, finite sampled weights.
    func verify() -> Verification {
        guard steps == 1 else {
            return FiniteCheck.verify(loss: 0, step: steps, names: ["w"]) { _ in w.pointer }
        }
        let entries = Self.verificationEntries(kernelCase)
        return Self.check(kernelCase, entries: entries, values: entries.map(value(at:)), calls: steps)
    }
}

extension PreparedAdamW: OutputReading {
    /// `w` (N).
    func value(at e: OutputEntry) -> Double { e.tensor == "w" ? Double(w.base[e.column]) : .nan }
}

extension PreparedAdamW: KernelReference {
    static var kernel: String { "adamw_update" }

    /// The first 4096 entries of `w` (a vector of N).
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        (0..<min(c.integer("N") ?? 0, 4096)).map { OutputEntry("w", 0, $0) }
    }

    /// After the first step, the closed form `w₁ = w₀ − lr·(g/(|g| + ε) + λ·w₀)` (m̂ = g,
    /// v̂ = g² at t = 1), bound `16·u·(|w₀| + lr)`; after later steps, finite values.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        guard calls == 1 else { return .finite(entries, values: values, calls: calls) }
        let n = c.integer("N") ?? 0
        let last = (entries.map(\.column).max() ?? -1) + 1
        guard last <= n, entries.allSatisfy({ $0.tensor == "w" && $0.row == 0 && $0.column >= 0 }) else {
            return .failed(
                "no reference for \(entries.first { $0.tensor != "w" || $0.row != 0 || $0.column >= n } ?? entries[0])")
        }
        let w0 = SplitMix64.uniforms(c, "w", count: last, as: T.self),
            g0 = SplitMix64.uniforms(c, "g", count: last, as: T.self)
        let u = T.dtype.unitRoundoff ?? 1e-16
        let lr = OptimizerUpdate.adamLearningRate, decay = OptimizerUpdate.weightDecay
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            let (wi, gi) = (w0[e.column], g0[e.column])
            let ref = wi - lr * (gi / (abs(gi) + OptimizerUpdate.epsilon) + decay * wi)
            tally.check("\(e)", got: got, reference: ref, bound: 16 * u * (abs(wi) + lr))
        }
        return tally.verification("first step vs the closed form w0 - lr*(g/(|g|+eps) + wd*w0), |err| <= 16u(|w0|+lr)")
    }
}
