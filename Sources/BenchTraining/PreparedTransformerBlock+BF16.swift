import BenchCore
import BenchRuntime
import Foundation

/// The bf16 (mixed-precision) `transformer_block_step`'s check, stage by stage on the engine's
/// own inputs, as the Llama block's (`PreparedLlamaBlock+BF16`, docs/training-kernels.md).
///
/// The recipe: the four projections' matmuls (`x1·Wqkv`, `attention·Wo`, `x2·W1`,
/// `activation·W2`, and their backward) round both operands to bf16 and accumulate in fp32;
/// LayerNorm, attention, the biases, GELU, the residuals, the loss and AdamW stay fp32. Stages
/// and rules (`u` = 2⁻²⁴; the biases are 0 and γ = 1, β = 0 in the initial state):
/// - `x1 = LN(x)`, `x2 = LN(r1)`: `16·D·u·(1 + |ref|)`, LayerNorm's rule;
/// - `qkv`, `hidden`: bf16 operands, `8u·√K·‖t‖₂ + u·|ref|`; `r1 = x + attention·Wo` and
///   `out = r1 + activation·W2` that plus `u·|ref|`;
/// - `attention` from the `qkv` rows of the sequence up to the row: `32u·√S·√dₕ·(1 + |ref|)`;
/// - `activation = gelu(hidden)` (tanh form): `16u·(1 + |ref|)`.
extension PreparedTransformerBlock {
    /// The stages checked, in forward order, with their row widths.
    static func bf16Stages(_ s: TransformerBlockSpec.Shape) -> [(name: String, width: Int)] {
        let d = s.model
        return [
            ("x1", d), ("qkv", 3 * d), ("attention", d), ("r1", d), ("x2", d), ("hidden", 4 * d),
            ("activation", 4 * d), ("out", d),
        ]
    }

    /// Every stage at the rows ``blockOutputEntries(batch:sequence:model:)`` checks, and `qkv` at
    /// every position of the last sequence up to the last of them (the keys and values).
    static func verificationEntriesBF16(_ kernelCase: KernelCase) -> [OutputEntry] {
        let s = TransformerBlockSpec().shape(kernelCase)
        return BF16Stages.entries(
            bf16Stages(s), batch: s.batch, sequence: s.sequence, model: s.model, sequenceStages: ["qkv"])
    }

    static var bf16Rule: String {
        "bf16 stages vs fp64 on the engine's inputs: projections 8u*sqrt(K)*|t|_2 + u|ref| on bf16 operands, "
            + "LayerNorm 16Du(1+|ref|), GELU 16u(1+|ref|), attention 32u*sqrt(S*dh)(1+|ref|), u = 2^-24"
    }

    static func checkFirstForwardBF16(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let s = TransformerBlockSpec().shape(id)
        let widths = Dictionary(uniqueKeysWithValues: bf16Stages(s).map { ($0.name, $0.width) })
        let (rows, checked): ([String: [Int: [Double]]], [Int])
        switch BF16Stages.gather(
            entries, values, widths: widths, tokens: s.tokens, sequence: s.sequence, sequenceStages: ["qkv"])
        {
        case .refused(let why): return why
        case .rows(let r, let c): (rows, checked) = (r, c)
        }
        let state = TransformerBF16State(id, shape: s)
        var tally = ErrorTally()
        for r in checked {
            state.check(row: r, stage: { rows[$0]![r]! }, qkv: { rows["qkv"]![$0]! }, into: &tally)
        }
        return tally.verification(bf16Rule)
    }
}

/// The initial input and bf16-rounded weights of a bf16 GPT-2 block case, and the stage
/// references of one row.
struct TransformerBF16State {
    let shape: TransformerBlockSpec.Shape
    let x: AlignedBuffer<Float>, wqkv: AlignedBuffer<Float>, wo: AlignedBuffer<Float>
    let w1: AlignedBuffer<Float>, w2: AlignedBuffer<Float>

    init(_ id: KernelCase, shape s: TransformerBlockSpec.Shape) {
        shape = s
        let d = s.model
        func buffer(_ n: Int) -> AlignedBuffer<Float> { AlignedBuffer(count: n, repeating: 0) }
        (x, wqkv, wo, w1, w2) = (
            buffer(s.tokens * d), buffer(d * 3 * d), buffer(d * d), buffer(d * 4 * d), buffer(4 * d * d)
        )
        let (y, g1, g2) = (buffer(s.tokens * d), buffer(d), buffer(d))
        TransformerBlockStep<Float>.initialize(
            id, x: x.pointer, y: y.pointer, ln1Gamma: g1.pointer, ln2Gamma: g2.pointer, wqkv: wqkv.pointer,
            wo: wo.pointer, w1: w1.pointer, w2: w2.pointer, d: d)
        for m in [wqkv, wo, w1, w2] { BF16Stages.roundToBF16(m) }
    }

    /// LayerNorm with γ = 1, β = 0, in fp64.
    static func layerNorm(_ v: [Double]) -> [Double] {
        let mu = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(v.count)
        let rs = 1 / (variance + Normalization.layerNormEpsilon).squareRoot()
        return v.map { ($0 - mu) * rs }
    }

    /// Checks every stage of row `r` on the engine's inputs (`stage(name)`, `qkv(row)`).
    func check(row r: Int, stage: (String) -> [Double], qkv: (Int) -> [Double], into tally: inout ErrorTally) {
        let (d, u) = (shape.model, BF16Stages.u)
        func compare(_ name: String, _ got: [Double], _ ref: [Double], _ bound: (Int) -> Double) {
            BF16Stages.compare(name, row: r, got, ref, into: &tally, bound: bound)
        }
        let input = (0..<d).map { Double(x.base[r * d + $0]) }
        let x1 = Self.layerNorm(input)
        compare("x1", stage("x1"), x1) { 16 * Double(d) * u * (1 + abs(x1[$0])) }
        let projected = BF16Stages.project(stage("x1"), wqkv, columns: 3 * d)
        compare("qkv", stage("qkv"), projected.value) { projected.bound[$0] }
        let attention = BF16Stages.attention(
            row: r, sequence: shape.sequence, model: d, heads: shape.heads, kvHeads: shape.heads, rows: qkv)
        let attentionBound = BF16Stages.attentionBound(sequence: shape.sequence, headDimension: shape.headDimension)
        compare("attention", stage("attention"), attention) { attentionBound * (1 + abs(attention[$0])) }
        let proj = BF16Stages.project(stage("attention"), wo, columns: d)
        let r1 = (0..<d).map { input[$0] + proj.value[$0] }
        compare("r1", stage("r1"), r1) { proj.bound[$0] + u * abs(r1[$0]) }
        let x2 = Self.layerNorm(stage("r1"))
        compare("x2", stage("x2"), x2) { 16 * Double(d) * u * (1 + abs(x2[$0])) }
        let hidden = BF16Stages.project(stage("x2"), w1, columns: 4 * d)
        compare("hidden", stage("hidden"), hidden.value) { hidden.bound[$0] }
        let activation = stage("hidden").map {
            0.5 * $0 * (1 + Foundation.tanh(Elementwise.geluScale * ($0 + 0.044715 * $0 * $0 * $0)))
        }
        compare("activation", stage("activation"), activation) { 16 * u * (1 + abs(activation[$0])) }
        let down = BF16Stages.project(stage("activation"), w2, columns: d)
        let residual = stage("r1")
        let out = (0..<d).map { residual[$0] + down.value[$0] }
        compare("out", stage("out"), out) { down.bound[$0] + u * abs(out[$0]) }
    }
}
