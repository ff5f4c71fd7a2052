import BenchCore
import BenchRuntime
import Foundation

/// `rmsnorm_fwd_bwd`: x, γ, dy from the generator (operands `x`, `gamma`, `dy`).
final class PreparedRMSNorm<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase, rows: Int, cols: Int, threads: Int
    let x: AlignedBuffer<T>, gamma: AlignedBuffer<T>, dy: AlignedBuffer<T>
    let y: AlignedBuffer<T>, dx: AlignedBuffer<T>, dGamma: AlignedBuffer<T>, rstd: AlignedBuffer<T>

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        (rows, cols, self.threads) = (c.integer("T") ?? 0, c.integer("D") ?? 0, threads)
        func buffer(_ n: Int, _ operand: String? = nil) -> AlignedBuffer<T> {
            let b = AlignedBuffer<T>(count: n, repeating: 0)
            if let operand { b.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: operand)) }
            return b
        }
        (x, gamma, dy) = (buffer(rows * cols, "x"), buffer(cols, "gamma"), buffer(rows * cols, "dy"))
        (y, dx, dGamma, rstd) = (buffer(rows * cols), buffer(rows * cols), buffer(cols), buffer(rows))
    }

    func run() throws {
        Normalization.rmsNormForward(
            x.base, gamma: gamma.base, y: y.base, rstd: rstd.base, rows: rows, cols: cols, threads: threads)
        Normalization.rmsNormBackward(
            dy.base, x: x.base, rstd: rstd.base, gamma: gamma.base, dx: dx.base, accumulate: false,
            dGamma: dGamma.base, rows: rows, cols: cols, threads: threads)
    }
}

extension PreparedRMSNorm: OutputReading {
    /// `y`, `dx` (T×D), `dgamma` (D).
    func value(at e: OutputEntry) -> Double {
        let outputs = ["y": y, "dx": dx, "dgamma": dGamma]
        return outputs[e.tensor].map { Double($0.base[e.row * cols + e.column]) } ?? .nan
    }
}

extension PreparedRMSNorm: KernelReference {
    static var kernel: String { "rmsnorm_fwd_bwd" }

    /// Rows 0 and T−1 of `y` and `dx` (T×D), and `dgamma[0..<8]`.
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("D") ?? 0)
        return Set([0, rows - 1]).sorted().flatMap { r in
            (0..<cols).flatMap { [OutputEntry("y", r, $0), OutputEntry("dx", r, $0)] }
        } + (0..<min(cols, 8)).map { OutputEntry("dgamma", 0, $0) }
    }

    /// Every call computes the same outputs: fp64 from the regenerated inputs, bound
    /// `16·D·u·(1 + |ref|)` (times rstd for dx) and `8·T·u·√T` for dγ's sums.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("D") ?? 0)
        let u = T.dtype.unitRoundoff ?? 1e-16
        let gamma = SplitMix64.uniforms(c, "gamma", count: cols, as: T.self)
        func rstd(_ x: [Double]) -> Double {
            1 / (x.reduce(0) { $0 + $1 * $1 } / Double(cols) + Normalization.rmsNormEpsilon).squareRoot()
        }
        func reference(_ r: Int) -> (y: [Double], dx: [Double], rstd: Double) {
            let xr = SplitMix64.uniforms(c, "x", offset: r * cols, count: cols, as: T.self)
            let dy = SplitMix64.uniforms(c, "dy", offset: r * cols, count: cols, as: T.self)
            let q = rstd(xr)
            let xhat = xr.map { $0 * q }
            let g = (0..<cols).map { dy[$0] * gamma[$0] }
            let m = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / Double(cols)
            return ((0..<cols).map { xhat[$0] * gamma[$0] }, (0..<cols).map { q * (g[$0] - xhat[$0] * m) }, q)
        }
        let references = Dictionary(uniqueKeysWithValues: Set([0, rows - 1]).map { ($0, reference($0)) })
        lazy var dGamma: [Double] = {
            var sums = [Double](repeating: 0, count: min(cols, 8))
            for r in 0..<rows {
                let xr = SplitMix64.uniforms(c, "x", offset: r * cols, count: cols, as: T.self)
                let dy = SplitMix64.uniforms(c, "dy", offset: r * cols, count: sums.count, as: T.self)
                let q = rstd(xr)
                for j in sums.indices { sums[j] += dy[j] * xr[j] * q }
            }
            return sums
        }()
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            switch e.tensor {
            case "y", "dx":
                guard let ref = references[e.row], (0..<cols).contains(e.column) else {
                    return .failed("no reference for \(e)")
                }
                let value = e.tensor == "y" ? ref.y[e.column] : ref.dx[e.column]
                let scale = e.tensor == "y" ? 1 : ref.rstd
                tally.check("\(e)", got: got, reference: value, bound: 16 * Double(cols) * u * (1 + abs(value)) * scale)
            case "dgamma":
                guard e.row == 0, (0..<min(cols, 8)).contains(e.column) else { return .failed("no reference for \(e)") }
                tally.check(
                    "\(e)", got: got, reference: dGamma[e.column],
                    bound: 8 * Double(rows) * u * Double(rows).squareRoot())
            default: return .failed("no reference for \(e)")
            }
        }
        return tally.verification("rows 0 and T-1 of y, dx and dgamma[0..<8] vs fp64, |err| <= 16*D*u*(1+|ref|)")
    }
}
