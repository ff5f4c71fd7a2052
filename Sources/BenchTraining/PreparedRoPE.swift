import BenchCore
import BenchRuntime
import Foundation

/// `rope_fwd_bwd`: x and dy from the generator (operands `x`, `dy`, each (B·S)×D); the
/// cos/sin table is built here, once, as frameworks cache it.
final class PreparedRoPE<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase, tokens: Int, width: Int, threads: Int
    let rope: RotaryEmbedding<T>
    let x: AlignedBuffer<T>, dy: AlignedBuffer<T>, y: AlignedBuffer<T>, dx: AlignedBuffer<T>

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        let (b, s, d, heads) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        (tokens, width, self.threads) = (b * s, d, threads)
        rope = RotaryEmbedding(seq: s, heads: heads, headDim: d / heads, base: RoPESpec.base)
        func buffer(_ operand: String? = nil) -> AlignedBuffer<T> {
            let buf = AlignedBuffer<T>(count: b * s * d, repeating: 0)
            if let operand { buf.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: operand)) }
            return buf
        }
        (x, dy, y, dx) = (buffer("x"), buffer("dy"), buffer(), buffer())
    }

    func run() throws {
        rope.apply(x.base, y.base, tokens: tokens, inverse: false, threads: threads)
        rope.apply(dy.base, dx.base, tokens: tokens, inverse: true, threads: threads)
    }
}

extension PreparedRoPE: OutputReading {
    /// `y`, `dx` ((B·S)×D).
    func value(at e: OutputEntry) -> Double {
        let outputs = ["y": y, "dx": dx]
        return outputs[e.tensor].map { Double($0.base[e.row * width + e.column]) } ?? .nan
    }
}

extension PreparedRoPE: KernelReference {
    static var kernel: String { "rope_fwd_bwd" }

    /// Tokens 0, S−1 (the largest angle) and B·S−1 of `y` and `dx`, every column.
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (b, s, d) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0)
        return Set([0, s - 1, b * s - 1]).sorted().flatMap { t in
            (0..<d).flatMap { [OutputEntry("y", t, $0), OutputEntry("dx", t, $0)] }
        }
    }

    /// Every call computes the same outputs; against fp64 angles and products from the
    /// regenerated inputs, bound `16·u·(1 + |ref|)` (the table's rounding and two products).
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (b, s, d, heads) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        let (hd, u) = (d / heads, T.dtype.unitRoundoff ?? 1e-16)
        let half = hd / 2
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            guard (0..<(b * s)).contains(e.row), (0..<d).contains(e.column), e.tensor == "y" || e.tensor == "dx" else {
                return .failed("no reference for \(e)")
            }
            let (head, i) = (e.column / hd, e.column % hd)
            let pair = i < half ? i : i - half
            let angle = Double(e.row % s) * RotaryEmbedding<Double>.frequency(pair, headDim: hd, base: RoPESpec.base)
            let (cs, sn) = (Foundation.cos(angle), (e.tensor == "y" ? 1.0 : -1.0) * Foundation.sin(angle))
            let row = SplitMix64.uniforms(
                c, e.tensor == "y" ? "x" : "dy", offset: e.row * d + head * hd, count: hd, as: T.self)
            let (x1, x2) = (row[pair], row[pair + half])
            let ref = i < half ? x1 * cs - x2 * sn : x2 * cs + x1 * sn
            tally.check("\(e)", got: got, reference: ref, bound: 16 * u * (1 + abs(ref)))
        }
        return tally.verification("tokens 0, S-1 and B*S-1 of y and dx vs fp64, |err| <= 16*u*(1+|ref|)")
    }
}
