import BenchCore
import BenchRuntime
import Foundation

/// `swiglu_fwd_bwd`: the gate and up projections a, b and dy from the generator (operands
/// `a`, `b`, `dy`, each T×H).
final class PreparedSwiGLU<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase, rows: Int, cols: Int, threads: Int
    let a: AlignedBuffer<T>, b: AlignedBuffer<T>, dy: AlignedBuffer<T>
    let y: AlignedBuffer<T>, da: AlignedBuffer<T>, db: AlignedBuffer<T>

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        let (t, h) = (c.integer("T") ?? 0, c.integer("H") ?? 0)
        (rows, cols, self.threads) = (t, h, threads)
        func buffer(_ operand: String? = nil) -> AlignedBuffer<T> {
            let buf = AlignedBuffer<T>(count: t * h, repeating: 0)
            if let operand { buf.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: operand)) }
            return buf
        }
        (a, b, dy) = (buffer("a"), buffer("b"), buffer("dy"))
        (y, da, db) = (buffer(), buffer(), buffer())
    }

    func run() throws {
        Elementwise.swiGLUForward(a: a.base, b: b.base, y: y.base, rows: rows, cols: cols, threads: threads)
        Elementwise.swiGLUBackward(
            a: a.base, b: b.base, dy: dy.base, da: da.base, db: db.base, rows: rows, cols: cols, threads: threads)
    }
}

extension PreparedSwiGLU: OutputReading {
    /// `y`, `da`, `db` (T×H).
    func value(at e: OutputEntry) -> Double {
        let outputs = ["y": y, "da": da, "db": db]
        return outputs[e.tensor].map { Double($0.base[e.row * cols + e.column]) } ?? .nan
    }
}

extension PreparedSwiGLU: KernelReference {
    static var kernel: String { "swiglu_fwd_bwd" }

    /// Rows 0 and T−1 of `y`, `da` and `db`: every column up to 512, else 512 spread evenly.
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("H") ?? 0)
        let columns = cols <= 512 ? Array(0..<cols) : (0..<512).map { $0 * cols / 512 }
        return Set([0, rows - 1]).sorted().flatMap { r in
            columns.flatMap { [OutputEntry("y", r, $0), OutputEntry("da", r, $0), OutputEntry("db", r, $0)] }
        }
    }

    /// Every call computes the same outputs; each element against fp64 from the regenerated
    /// inputs, bound `16·u·(1 + |ref|)` (a few roundings and one exp per element).
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (rows, cols) = (c.integer("T") ?? 0, c.integer("H") ?? 0)
        let u = T.dtype.unitRoundoff ?? 1e-16
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            guard (0..<rows).contains(e.row), (0..<cols).contains(e.column) else {
                return .failed("no reference for \(e)")
            }
            let at = e.row * cols + e.column
            let (a, b, dy) = (
                SplitMix64.uniforms(c, "a", offset: at, count: 1, as: T.self)[0],
                SplitMix64.uniforms(c, "b", offset: at, count: 1, as: T.self)[0],
                SplitMix64.uniforms(c, "dy", offset: at, count: 1, as: T.self)[0]
            )
            let sigma = 1 / (1 + Foundation.exp(-a))
            let silu = a * sigma
            let ref: Double
            switch e.tensor {
            case "y": ref = silu * b
            case "db": ref = dy * silu
            case "da": ref = dy * b * (sigma + silu * (1 - sigma))
            default: return .failed("no reference for \(e)")
            }
            tally.check("\(e)", got: got, reference: ref, bound: 16 * u * (1 + abs(ref)))
        }
        return tally.verification("rows 0 and T-1 of y, da and db vs fp64, |err| <= 16*u*(1+|ref|)")
    }
}
