import BenchCore
import BenchRuntime
import Foundation

/// `layernorm_fwd_bwd`: x, γ, β, dy from the generator (operands `x`, `gamma`, `beta`, `dy`).
final class PreparedLayerNorm<T: NativeScalar>: StatelessOutputCase {
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
