import BenchCore
import Foundation
import Synchronization

extension PreparedGQAAttention: KernelReference {
    static var kernel: String { "gqa_attention_fwd_bwd" }

    /// The shape (B, S, D, heads, kv_heads) and the packed row width.
    static func shape(_ c: KernelCase) -> (b: Int, s: Int, d: Int, heads: Int, kv: Int, w: Int) {
        let v = ["B", "S", "D", "heads", "kv_heads"].map { c.integer($0) ?? 1 }
        return (v[0], v[1], v[2], v[3], v[4], GQAAttentionSpec().packedWidth(c))
    }

    /// Positions 0, 1, 2, 7, 36, 90, S−2 and S−1 of the last sequence: `out` and the dQ
    /// columns of `dqkv`, every column; at positions S−2 and S−1 also the dK and dV columns
    /// (each sums its group's query heads over the positions after it).
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let (b, s, d, _, _, w) = shape(c)
        let base = (b - 1) * s
        let positions = Set([0, 1, 2, 7, 36, 90, s - 2, s - 1].map { min(max($0, 0), s - 1) }).sorted()
        return positions.flatMap { i in
            (0..<d).flatMap { [OutputEntry("out", base + i, $0), OutputEntry("dqkv", base + i, $0)] }
                + (i >= s - 2 ? (d..<w).map { OutputEntry("dqkv", base + i, $0) } : [])
        }
    }

    /// Every call computes the same outputs: fp64 from the regenerated qkv and dO, RoPE
    /// included; bound `32·u·√S·√dₕ·(1 + |ref|)` for O, times `√dₕ` for dQ, and times the group
    /// size too for dK and dV.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (b, s, d, heads, kv, w) = shape(c)
        return GQAReference.latest.withLock { latest in
            let reference: GQAReference
            if let kept = latest, kept.key == GQAReference.key(c, T.self) {
                reference = kept
            } else {
                reference = GQAReference(c, as: T.self, batch: b, sequence: s, model: d, heads: heads, kvHeads: kv)
                latest = reference
            }
            return check(entries, values, against: reference, batch: b, width: w)
        }
    }

    private static func check(
        _ entries: [OutputEntry], _ values: [Double], against reference: GQAReference, batch b: Int, width w: Int
    ) -> Verification {
        let (s, d, heads, kv) = (reference.s, reference.d, reference.heads, reference.kv)
        let (dh, u, group) = (d / heads, T.dtype.unitRoundoff ?? 1e-16, Double(heads / kv))
        let bound = 32 * u * Double(s).squareRoot() * Double(dh).squareRoot()
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            let i = e.row - (b - 1) * s
            guard (0..<s).contains(i), (0..<(e.tensor == "out" ? d : w)).contains(e.column),
                e.tensor == "out" || e.tensor == "dqkv", e.column < d || i >= s - 2
            else { return .failed("no reference for \(e)") }
            let ref: Double
            var scale = 1.0
            if e.tensor == "out" {
                ref = reference.row(i).out[e.column]
            } else if e.column < d {
                (ref, scale) = (reference.row(i).dq[e.column], Double(dh).squareRoot())
            } else {
                (ref, scale) = (reference.keyGradient(i)[e.column - d], Double(dh).squareRoot() * group)
            }
            tally.check("\(e)", got: got, reference: ref, bound: bound * (1 + abs(ref)) * scale)
        }
        return tally.verification(
            "O and dQ at positions 0,1,2,7,36,90,S-2,S-1 of the last sequence, dK and dV at S-2 and S-1, vs fp64")
    }
}

/// The fp64 reference of grouped-query attention with RoPE on the last sequence of a case.
///
/// Rows, per-position details and key gradients are computed once and kept; the latest case's
/// reference is kept across verifications (every backend's first and last round check the same
/// entries of the same outputs).
final class GQAReference {
    let c: KernelCase, s: Int, d: Int, heads: Int, kv: Int, dh: Int, w: Int, first: Int
    let key: String
    let uniforms: (String, Int, Int) -> [Double]
    private var rows: [Int: [Double]] = [:]
    private var details: [Int: Detail] = [:]
    private var keyGradients: [Int: [Double]] = [:]

    /// The reference of the case verified last, for the next verification of the same case.
    static let latest = Mutex<GQAReference?>(nil)

    /// What a kept reference is for: the case and the storage type its inputs are rounded to.
    static func key<T>(_ c: KernelCase, _: T.Type) -> String { "\(c.id)#\(T.self)" }

    /// Per head of query position i: probabilities and dS over positions 0…i, O and dQ (unrotated).
    struct Detail {
        var p: [[Double]], ds: [[Double]], out: [Double], dq: [Double]
    }

    init<T: NativeScalar>(
        _ c: KernelCase, as _: T.Type, batch: Int, sequence: Int, model: Int, heads: Int, kvHeads: Int
    ) {
        (self.c, s, d, self.heads, kv) = (c, sequence, model, heads, kvHeads)
        dh = model / heads
        w = model + 2 * kvHeads * dh
        first = (batch - 1) * sequence
        key = Self.key(c, T.self)
        uniforms = { operand, offset, count in SplitMix64.uniforms(c, operand, offset: offset, count: count, as: T.self)
        }
    }

    /// Rotates (or, with `inverse`, rotates back) the heads of `x` at position `p`.
    func rotate(_ x: [Double], position p: Int, inverse: Bool = false) -> [Double] {
        let half = dh / 2
        var out = x
        for h in 0..<(x.count / dh) {
            for i in 0..<half {
                let angle = Double(p) * RotaryEmbedding<Double>.frequency(i, headDim: dh, base: RoPESpec.base)
                let (cs, sn) = (Foundation.cos(angle), (inverse ? -1.0 : 1.0) * Foundation.sin(angle))
                let (x1, x2) = (x[h * dh + i], x[h * dh + i + half])
                out[h * dh + i] = x1 * cs - x2 * sn
                out[h * dh + i + half] = x2 * cs + x1 * sn
            }
        }
        return out
    }

    /// Position j's packed row with Q and K rotated.
    func rotated(_ j: Int) -> [Double] {
        if let r = rows[j] { return r }
        let raw = uniforms("qkv", (first + j) * w, w)
        let r =
            rotate(Array(raw[0..<d]), position: j) + rotate(Array(raw[d..<(d + kv * dh)]), position: j)
            + Array(raw[(d + kv * dh)...])
        rows[j] = r
        return r
    }

    func row(_ i: Int) -> Detail {
        if let cached = details[i] { return cached }
        let scale = 1 / Double(dh).squareRoot()
        let dO = uniforms("dout", (first + i) * d, d)
        let q = rotated(i)
        let r = (0...i).map(rotated)
        var detail = Detail(p: [], ds: [], out: [Double](repeating: 0, count: d), dq: [Double](repeating: 0, count: d))
        for h in 0..<heads {
            let key = d + h / (heads / kv) * dh, value = key + kv * dh
            let scores = (0...i).map { j in (0..<dh).reduce(0.0) { $0 + q[h * dh + $1] * r[j][key + $1] } * scale }
            let mx = scores.max() ?? 0
            let e = scores.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            let p = e.map { $0 / z }
            let dp = (0...i).map { j in (0..<dh).reduce(0.0) { $0 + dO[h * dh + $1] * r[j][value + $1] } }
            let dot = zip(p, dp).reduce(0) { $0 + $1.0 * $1.1 }
            let ds = (0...i).map { p[$0] * (dp[$0] - dot) * scale }
            for col in 0..<dh {
                detail.out[h * dh + col] = (0...i).reduce(0.0) { $0 + p[$1] * r[$1][value + col] }
                detail.dq[h * dh + col] = (0...i).reduce(0.0) { $0 + ds[$1] * r[$1][key + col] }
            }
            detail.p.append(p)
            detail.ds.append(ds)
        }
        detail.dq = rotate(detail.dq, position: i, inverse: true)
        details[i] = detail
        return detail
    }

    /// dK (unrotated) and dV of key position j, `2·D_kv` values: every query head of each group,
    /// over the positions j…S−1.
    func keyGradient(_ j: Int) -> [Double] {
        if let kept = keyGradients[j] { return kept }
        var dk = [Double](repeating: 0, count: kv * dh), dv = [Double](repeating: 0, count: kv * dh)
        for i in j..<s {
            let detail = row(i), q = rotated(i), dO = uniforms("dout", (first + i) * d, d)
            for h in 0..<heads {
                let g = h / (heads / kv)
                for col in 0..<dh {
                    dv[g * dh + col] += detail.p[h][j] * dO[h * dh + col]
                    dk[g * dh + col] += detail.ds[h][j] * q[h * dh + col]
                }
            }
        }
        let gradient = rotate(dk, position: j, inverse: true) + dv
        keyGradients[j] = gradient
        return gradient
    }
}
