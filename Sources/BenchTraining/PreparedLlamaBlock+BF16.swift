import BenchCore
import BenchRuntime
import Foundation

/// The bf16 (mixed-precision) `llama_block_step`'s check: stage by stage, each stage of the
/// first forward pass recomputed in fp64 from the engine's own inputs to it.
///
/// The recipe: the five projections' matmuls (`xn1·Wqkv`, `attention·Wo`, `xn2·Wgate`,
/// `xn2·Wup`, `activation·Wdown`, and their backward) round both operands to bf16 (nearest even)
/// and accumulate in fp32; RMSNorm, RoPE, attention, SwiGLU, the residuals, the loss and AdamW
/// stay fp32. A whole-block fp64 reference cannot say which bf16 value an fp32 activation rounds
/// to where it lies near a rounding boundary, and one such step carried through softmax and two
/// norms has no tight bound. Checked against its own inputs, each stage is a deterministic
/// function of them: a projection's reference rounds the engine's input row and the initial
/// weights exactly as the engine does, so it differs from the engine's result by fp32
/// accumulation alone, and an engine that skips the rounding misses by about 2⁻⁹·‖t‖₂, far
/// outside the bound. Stages and rules per entry (`u` = 2⁻²⁴, `t` the products of the entry):
/// - `xn1 = rms(x)`, `xn2 = rms(r1)` (γ = 1 initially): `16·D·u·(1 + |ref|)`, RMSNorm's rule;
/// - `qkv`, `gate`, `up`: bf16 operands, `8u·√K·‖t‖₂ + u·|ref|` (the GEMM rule at fp32
///   accumulation); `r1 = x + attention·Wo` and `out = r1 + activation·Wdown` that plus `u·|ref|`;
/// - `rotated = RoPE(qkv)` at the row's position, at every position up to the last checked row
///   (the attention's keys and values): `16u·(1 + |ref|)`;
/// - `attention` from the `rotated` rows of the sequence up to the row: `32u·√S·√dₕ·(1 + |ref|)`;
/// - `activation = silu(gate)·up`: `16u·(1 + |ref|)`.
extension PreparedLlamaBlock {
    /// The stages checked, in forward order, with their row widths.
    static func bf16Stages(_ s: LlamaBlockSpec.Shape) -> [(name: String, width: Int)] {
        let (d, w, h) = (s.model, s.qkvWidth, s.hidden)
        return [
            ("xn1", d), ("qkv", w), ("rotated", w), ("attention", d), ("r1", d), ("xn2", d), ("gate", h), ("up", h),
            ("activation", h), ("out", d),
        ]
    }

    /// Every stage at the rows ``blockOutputEntries(batch:sequence:model:)`` checks, and `qkv` and
    /// `rotated` (the attention's queries, keys and values) at every position of the last
    /// sequence up to the last of them.
    static func verificationEntriesBF16(_ kernelCase: KernelCase) -> [OutputEntry] {
        let s = LlamaBlockSpec().shape(kernelCase)
        return BF16Stages.entries(
            bf16Stages(s), batch: s.batch, sequence: s.sequence, model: s.model, sequenceStages: ["qkv", "rotated"])
    }

    static var bf16Rule: String {
        "bf16 stages vs fp64 on the engine's inputs: projections 8u*sqrt(K)*|t|_2 + u|ref| on bf16 operands, "
            + "RMSNorm 16Du(1+|ref|), RoPE and SwiGLU 16u(1+|ref|), attention 32u*sqrt(S*dh)(1+|ref|), u = 2^-24"
    }

    static func checkFirstForwardBF16(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let s = LlamaBlockSpec().shape(id)
        let widths = Dictionary(uniqueKeysWithValues: bf16Stages(s).map { ($0.name, $0.width) })
        let gathered = BF16Stages.gather(
            entries, values, widths: widths, tokens: s.tokens, sequence: s.sequence,
            sequenceStages: ["qkv", "rotated"])
        let (rows, checked): ([String: [Int: [Double]]], [Int])
        switch gathered {
        case .refused(let why): return why
        case .rows(let r, let c): (rows, checked) = (r, c)
        }
        let state = BF16InitialState(id, shape: s)
        var tally = ErrorTally()
        // RoPE at every position the checked rows attend to; the other stages at the checked rows.
        for r in Set(checked.flatMap { $0 / s.sequence * s.sequence...$0 }).sorted() {
            let rope = BF16InitialState.rotate(rows["qkv"]![r]!, shape: s, position: r % s.sequence)
            for (j, got) in rows["rotated"]![r]!.enumerated() {
                tally.check(
                    "rotated[\(r),\(j)]", got: got, reference: rope[j], bound: 16 * 0x1p-24 * (1 + abs(rope[j])))
            }
        }
        for r in checked {
            let stage = { (name: String) in rows[name]![r]! }
            state.check(row: r, stage: stage, rotated: { rows["rotated"]![$0]! }, into: &tally)
        }
        return tally.verification(bf16Rule)
    }
}

/// The initial input and weights of a bf16 Llama block case (fp32, weights rounded to bf16 as
/// the engine reads them), and the stage references of one row.
struct BF16InitialState {
    let shape: LlamaBlockSpec.Shape
    let x: AlignedBuffer<Float>
    let wqkv: AlignedBuffer<Float>, wo: AlignedBuffer<Float>
    let wGate: AlignedBuffer<Float>, wUp: AlignedBuffer<Float>, wDown: AlignedBuffer<Float>

    init(_ id: KernelCase, shape s: LlamaBlockSpec.Shape) {
        shape = s
        let (d, w, h) = (s.model, s.qkvWidth, s.hidden)
        func buffer(_ n: Int) -> AlignedBuffer<Float> { AlignedBuffer(count: n, repeating: 0) }
        (x, wqkv, wo, wGate, wUp, wDown) = (
            buffer(s.tokens * d), buffer(d * w), buffer(d * d), buffer(d * h), buffer(d * h), buffer(h * d)
        )
        let (y, g1, g2) = (buffer(s.tokens * d), buffer(d), buffer(d))
        LlamaBlockStep<Float>.initialize(
            id, x: x.pointer, y: y.pointer, gammas: [g1.pointer, g2.pointer],
            weights: [
                ("Wqkv", wqkv.pointer, d), ("Wo", wo.pointer, d), ("Wgate", wGate.pointer, d), ("Wup", wUp.pointer, d),
                ("Wdown", wDown.pointer, h),
            ])
        for m in [wqkv, wo, wGate, wUp, wDown] { BF16Stages.roundToBF16(m) }
    }

    /// RMSNorm with γ = 1, in fp64.
    static func rms(_ v: [Double]) -> [Double] {
        let r = 1 / (v.reduce(0) { $0 + $1 * $1 } / Double(v.count) + Normalization.rmsNormEpsilon).squareRoot()
        return v.map { $0 * r }
    }

    /// Checks every stage of row `r` on the engine's inputs (`stage(name)`, `rotated(row)`).
    func check(
        row r: Int, stage: (String) -> [Double], rotated: (Int) -> [Double], into tally: inout ErrorTally
    ) {
        let s = shape
        let (d, w, h, u) = (s.model, s.qkvWidth, s.hidden, BF16Stages.u)
        func compare(_ name: String, _ got: [Double], _ ref: [Double], _ bound: (Int) -> Double) {
            BF16Stages.compare(name, row: r, got, ref, into: &tally, bound: bound)
        }
        let input = (0..<d).map { Double(x.base[r * d + $0]) }
        let xn1 = Self.rms(input)
        compare("xn1", stage("xn1"), xn1) { 16 * Double(d) * u * (1 + abs(xn1[$0])) }
        let qkv = BF16Stages.project(stage("xn1"), wqkv, columns: w)
        compare("qkv", stage("qkv"), qkv.value) { qkv.bound[$0] }
        let attention = BF16Stages.attention(
            row: r, sequence: s.sequence, model: d, heads: s.heads, kvHeads: s.kvHeads, rows: rotated)
        let attentionBound = BF16Stages.attentionBound(sequence: s.sequence, headDimension: s.headDimension)
        compare("attention", stage("attention"), attention) { attentionBound * (1 + abs(attention[$0])) }
        let proj = BF16Stages.project(stage("attention"), wo, columns: d)
        let r1 = (0..<d).map { input[$0] + proj.value[$0] }
        compare("r1", stage("r1"), r1) { proj.bound[$0] + u * abs(r1[$0]) }
        let xn2 = Self.rms(stage("r1"))
        compare("xn2", stage("xn2"), xn2) { 16 * Double(d) * u * (1 + abs(xn2[$0])) }
        let gate = BF16Stages.project(stage("xn2"), wGate, columns: h),
            up = BF16Stages.project(stage("xn2"), wUp, columns: h)
        compare("gate", stage("gate"), gate.value) { gate.bound[$0] }
        compare("up", stage("up"), up.value) { up.bound[$0] }
        let (g, v) = (stage("gate"), stage("up"))
        let activation = (0..<h).map { g[$0] / (1 + Foundation.exp(-g[$0])) * v[$0] }
        compare("activation", stage("activation"), activation) { 16 * u * (1 + abs(activation[$0])) }
        let down = BF16Stages.project(stage("activation"), wDown, columns: d)
        let residual = stage("r1")
        let out = (0..<d).map { residual[$0] + down.value[$0] }
        compare("out", stage("out"), out) { down.bound[$0] + u * abs(out[$0]) }
    }

    /// RoPE at `position` on the Q and K heads of a packed row (V unchanged), in fp64.
    static func rotate(_ row: [Double], shape s: LlamaBlockSpec.Shape, position: Int) -> [Double] {
        let (dh, half) = (s.headDimension, s.headDimension / 2)
        var v = row
        for h in 0..<(s.heads + s.kvHeads) {
            let o = h * dh  // the K heads follow the Q heads at column D = heads·dₕ
            for i in 0..<half {
                let angle = Double(position) * RotaryEmbedding<Double>.frequency(i, headDim: dh, base: RoPESpec.base)
                let (x1, x2) = (row[o + i], row[o + i + half])
                v[o + i] = x1 * Foundation.cos(angle) - x2 * Foundation.sin(angle)
                v[o + i + half] = x2 * Foundation.cos(angle) + x1 * Foundation.sin(angle)
            }
        }
        return v
    }
}
