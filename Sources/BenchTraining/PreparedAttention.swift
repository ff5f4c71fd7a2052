import BenchCore
import BenchRuntime
import Foundation

/// `attention_fwd_bwd`: qkv = uniform(`qkv`) [T×3D], dO = uniform(`dout`) [T×D].
final class PreparedAttention<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase
    let op: CausalAttention<T>
    let pass: AttentionPass<T>
    let qkv: AlignedBuffer<T>, outGradient: AlignedBuffer<T>, out: AlignedBuffer<T>, qkvGradient: AlignedBuffer<T>

    init(_ c: KernelCase, engine: any MatrixEngine<T>) {
        let (b, s, d, h) = (c.integer("B") ?? 0, c.integer("S") ?? 0, c.integer("D") ?? 0, c.integer("heads") ?? 1)
        op = CausalAttention(batch: b, sequence: s, model: d, heads: h)
        pass = AttentionPass(op, engine: engine)
        kernelCase = c
        let t = b * s
        qkv = AlignedBuffer(count: t * 3 * d, repeating: 0)
        qkv.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "qkv"))
        outGradient = AlignedBuffer(count: t * d, repeating: 0)
        outGradient.pointer.fillUniform(seed: InputSeed.seed(caseID: c.id, operand: "dout"))
        out = AlignedBuffer(count: t * d, repeating: .nan)
        qkvGradient = AlignedBuffer(count: t * 3 * d, repeating: .nan)
    }

    func run() throws {
        pass.forward(qkv: qkv.base, out: out.base)
        pass.backward(qkv: qkv.base, out: out.base, outGradient: outGradient.base, qkvGradient: qkvGradient.base)
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
