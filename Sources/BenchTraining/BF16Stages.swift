import BenchCore
import BenchRuntime
import Foundation

/// What the bf16 blocks' stage-by-stage checks share (`PreparedLlamaBlock+BF16`,
/// `PreparedTransformerBlock+BF16`): gathering the stage rows a check was given, a projection's
/// fp64 reference on bf16-rounded operands with the GEMM rule's bound, and causal attention.
enum BF16Stages {
    /// The stage rows a check was given (by stage, then row) and the `out` rows it checks, or
    /// why it cannot check them.
    enum Gathered {
        case rows([String: [Int: [Double]]], checked: [Int])
        case refused(Verification)
    }

    /// Every stage at the rows ``blockOutputEntries(batch:sequence:model:)`` checks, and the
    /// `sequenceStages` (the attention's queries, keys and values) at every position of the last
    /// sequence up to the last of them.
    static func entries(
        _ stages: [(name: String, width: Int)], batch: Int, sequence: Int, model: Int, sequenceStages: Set<String>
    ) -> [OutputEntry] {
        let rows = Set(blockOutputEntries(batch: batch, sequence: sequence, model: model).map(\.row)).sorted()
        let first = (batch - 1) * sequence
        return stages.flatMap { stage in
            (sequenceStages.contains(stage.name) ? Array(first...(rows.last ?? first)) : rows).flatMap { r in
                (0..<stage.width).map { OutputEntry(stage.name, r, $0) }
            }
        }
    }

    /// fp32's unit round-off: every stage accumulates in fp32.
    static let u = 0x1p-24

    /// The rows of each stage from `entries` and `values`, or why they cannot be checked: an
    /// entry outside its stage, or (for every `out` row) a stage row missing at that row, or a row
    /// of `sequenceStages` missing between the sequence's start and that row.
    static func gather(
        _ entries: [OutputEntry], _ values: [Double], widths: [String: Int], tokens: Int, sequence: Int,
        sequenceStages: [String]
    ) -> Gathered {
        var rows: [String: [Int: [Double]]] = [:]
        for (e, v) in zip(entries, values) {
            guard let width = widths[e.tensor], (0..<tokens).contains(e.row), (0..<width).contains(e.column) else {
                return .refused(.failed("no reference for \(e)"))
            }
            rows[e.tensor, default: [:]][e.row, default: [Double](repeating: .nan, count: width)][e.column] = v
        }
        let checked = (rows["out"]?.keys).map { Array($0).sorted() } ?? []
        guard !checked.isEmpty else { return .refused(.failed("no out rows to check")) }
        for r in checked {
            if let missing = widths.keys.sorted().first(where: { rows[$0]?[r] == nil }) {
                return .refused(.failed("the bf16 check of out row \(r) needs \(missing) row \(r)"))
            }
            for name in sequenceStages {
                if let j = (r / sequence * sequence...r).first(where: { rows[name]?[$0] == nil }) {
                    return .refused(.failed("the bf16 check of out row \(r) needs \(name) row \(j)"))
                }
            }
        }
        return .rows(rows, checked: checked)
    }

    /// Rounds a weight to bf16 in place, as the engine reads it.
    static func roundToBF16(_ m: AlignedBuffer<Float>) {
        for i in 0..<m.count { m.base[i] = GEMMCheck.roundedToBF16(m.base[i]) }
    }

    /// `Σ_k bf16(a_k)·m[k·n + j]` (m already rounded) and the GEMM rule's bound
    /// `8u·√K·‖t‖₂ + u·|ref|`, for every column `j < n`.
    static func project(_ a: [Double], _ m: AlignedBuffer<Float>, columns n: Int) -> (value: [Double], bound: [Double])
    {
        var sum = [Double](repeating: 0, count: n), squares = [Double](repeating: 0, count: n)
        sum.withUnsafeMutableBufferPointer { sum in
            squares.withUnsafeMutableBufferPointer { squares in
                for (k, value) in a.enumerated() {
                    let ak = Double(GEMMCheck.roundedToBF16(Float(value)))
                    guard ak != 0 else { continue }
                    let row = m.base + k * n
                    for j in 0..<n {
                        let t = ak * Double(row[j])
                        sum[j] += t
                        squares[j] += t * t
                    }
                }
            }
        }
        let root = Double(a.count).squareRoot()
        let bound = (0..<n).map { 8 * u * root * squares[$0].squareRoot() + u * abs(sum[$0]) }
        return (sum, bound)
    }

    /// Causal attention of row `r` in fp64 over the packed rows of its sequence up to it (Q in
    /// columns `[0, D)`, then the `kvHeads` heads of K, then of V; query head h reads KV head
    /// `h / (heads/kvHeads)`).
    static func attention(
        row r: Int, sequence: Int, model d: Int, heads: Int, kvHeads: Int, rows: (Int) -> [Double]
    ) -> [Double] {
        let (dh, group) = (d / heads, heads / kvHeads)
        let packed = (r / sequence * sequence...r).map(rows)
        let q = packed[packed.count - 1]
        var out = [Double](repeating: 0, count: d)
        for h in 0..<heads {
            let k0 = d + h / group * dh, v0 = d + kvHeads * dh + h / group * dh
            let scores = packed.map { key in
                (0..<dh).reduce(0.0) { $0 + q[h * dh + $1] * key[k0 + $1] } / Double(dh).squareRoot()
            }
            let top = scores.max() ?? 0
            let e = scores.map { Foundation.exp($0 - top) }
            let z = e.reduce(0, +)
            for (j, key) in packed.enumerated() { for c in 0..<dh { out[h * dh + c] += e[j] / z * key[v0 + c] } }
        }
        return out
    }

    /// The attention rule's bound factor, `32u·√S·√dₕ` (times `1 + |ref|`).
    static func attentionBound(sequence: Int, headDimension: Int) -> Double {
        32 * u * Double(sequence * headDimension).squareRoot()
    }

    /// Checks `got` against `ref` entry by entry, labelled `name[row, j]`.
    static func compare(
        _ name: String, row: Int, _ got: [Double], _ ref: [Double], into tally: inout ErrorTally,
        bound: (Int) -> Double
    ) {
        for j in ref.indices { tally.check("\(name)[\(row),\(j)]", got: got[j], reference: ref[j], bound: bound(j)) }
    }
}
