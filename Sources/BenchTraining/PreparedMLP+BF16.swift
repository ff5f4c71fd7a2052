import BenchCore

extension PreparedMLP {
    /// The bf16 rule for the first forward pass of a mixed-precision `mlp_step` (every matmul's
    /// operands rounded to bf16 to nearest even, fp32 accumulation, everything else fp32).
    ///
    /// The reference recomputes in fp64 from the bf16-rounded `x`, `W1` and `W2`. The activation
    /// `a = gelu(x·W1)` is rounded to bf16 before the second matmul, by the engine from its fp32
    /// value `â`, which lies within `e = 8u(1.2·√D·S_j + |h| + |a|)` of the fp64 `a` (the first
    /// GEMM's bound carried through GELU, slope ≤ 1.13, and the fp32 tanh's error). Rounding is
    /// monotonic, so where `a − e` and `a + e` round to the same bf16 value the engine's rounded
    /// activation is exactly that value; elsewhere it may be one bf16 step away, and that step
    /// times `|W2|` joins the bound. Per entry:
    /// `|out − ref| ≤ 8u(√H·S₁ + S₁) + Σ_ambiguous step_j·|W2_jk|`, with `S₁ = Σ|r_j·W2_jk|`.
    /// An fp32 engine (no rounding) fails it by a wide margin (tested).
    static func checkFirstForwardBF16(_ id: KernelCase, entries: [OutputEntry], values: [Double]) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let state = MLPInitialState<Float>(id)
        let (d, h, w2) = (state.d, state.h, state.w2)
        func bf16(_ v: Float) -> Double { Double(GEMMCheck.roundedToBF16(v)) }
        let u = 0x1p-24
        var tally = ErrorTally()
        var sums = [Double](repeating: 0, count: h), mags = [Double](repeating: 0, count: h)
        var act = [Double](repeating: 0, count: h), step = [Double](repeating: 0, count: h)
        var currentRow = -1
        for (entry, got) in zip(entries, values) {
            let (r, k) = (entry.row, entry.column)
            if r != currentRow {
                state.preActivations(row: r, value: bf16, sums: &sums, magnitudes: &mags)
                for j in 0..<h {
                    let a = MLPInitialState<Float>.gelu(sums[j])
                    let e = 8 * u * (1.2 * Double(d).squareRoot() * mags[j] + abs(sums[j]) + abs(a))
                    let lo = bf16(Float(a - e)), hi = bf16(Float(a + e))
                    (act[j], step[j]) = lo == hi ? (lo, 0) : (bf16(Float(a)), hi - lo)
                }
                currentRow = r
            }
            var ref = 0.0, s1 = 0.0, ambiguous = 0.0
            for j in 0..<h {
                let wv = bf16(w2.base[j * d + k])
                ref += act[j] * wv
                s1 += abs(act[j] * wv)
                ambiguous += step[j] * abs(wv)
            }
            let bound = 8 * u * (Double(h).squareRoot() * s1 + s1) + ambiguous
            tally.check("out[\(r),\(k)]", got: got, reference: ref, bound: bound)
        }
        return tally.verification(
            "first forward pass vs fp64 on bf16-rounded matmul operands, |out-ref| <= 8u(sqrt(H)S1 + S1) + rounding steps"
        )
    }
}
