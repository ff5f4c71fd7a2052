import BenchCore

/// Causal scaled-dot-product attention over a packed `qkv[T × (D + 2·D_kv)]` buffer, forward
/// and backward, matmuls through a ``MatrixEngine``: multi-head (`kvHeads == heads`, the packed
/// row is `3D` wide) or grouped-query (each key/value head serves `heads/kvHeads` query heads).
///
/// Rows are batch-major (row `b·S + i`); query head `h` reads columns `h·dh…` of the Q part,
/// and its group's K and V heads columns `D + g·dh…` and `D + D_kv + g·dh…`,
/// `g = h / (heads/kvHeads)`. The probabilities of every (batch, head) are kept for backward.
struct CausalAttention<T: NativeScalar> {
    let batch: Int, sequence: Int, model: Int, heads: Int, kvHeads: Int
    var headDimension: Int { model / heads }
    /// The packed row: Q (`D`), K and V (`D_kv` each).
    var rowWidth: Int { model + 2 * kvHeads * headDimension }

    init(batch: Int, sequence: Int, model: Int, heads: Int, kvHeads: Int? = nil) {
        (self.batch, self.sequence, self.model, self.heads) = (batch, sequence, model, heads)
        self.kvHeads = kvHeads ?? heads
    }

    /// The column of head `h`'s K within a packed row (its V is `D_kv` further).
    func keyColumn(_ h: Int) -> Int { model + h / (heads / kvHeads) * headDimension }

    /// Per (batch, head): `P = softmax(QKᵀ/√dₕ, causal)`, `O = P·V` into `out[T×D]`.
    func forward(
        engine: any MatrixEngine<T>, qkv: UnsafePointer<T>, probabilities: UnsafeMutablePointer<T>,
        out: UnsafeMutablePointer<T>
    ) {
        let (s, d, dh, w, dkv) = (sequence, model, headDimension, rowWidth, kvHeads * headDimension)
        let scale = T(1 / Double(dh).squareRoot())
        for b in 0..<batch {
            for h in 0..<heads {
                let row = qkv + b * s * w
                let q = row + h * dh, k = row + keyColumn(h), v = k + dkv
                let p = probabilities + (b * heads + h) * s * s
                engine.multiply(
                    transA: false, transB: true, m: s, n: s, k: dh, alpha: scale, a: q, lda: w,
                    b: k, ldb: w, beta: 0, c: p, ldc: s)
                Normalization.softmaxRows(p, rows: s, cols: s, ld: s, causal: true, threads: engine.threads)
                engine.multiply(
                    transA: false, transB: false, m: s, n: dh, k: s, alpha: 1, a: p, lda: s,
                    b: v, ldb: w, beta: 0, c: out + b * s * d + h * dh, ldc: d)
            }
        }
    }

    /// Per (batch, head): `dV = Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))/√dₕ`,
    /// `dQ = dS·K`, `dK = dSᵀ·Q`, written into the matching columns of `dqkv` (a group's dK and
    /// dV summed over its query heads). `scratch` holds `S×S` values.
    func backward(
        engine: any MatrixEngine<T>, qkv: UnsafePointer<T>, probabilities: UnsafePointer<T>,
        outGradient: UnsafePointer<T>,
        qkvGradient: UnsafeMutablePointer<T>, scratch ds: UnsafeMutablePointer<T>
    ) {
        let (s, d, dh, w, dkv) = (sequence, model, headDimension, rowWidth, kvHeads * headDimension)
        let scale = T(1 / Double(dh).squareRoot())
        let group = heads / kvHeads
        for b in 0..<batch {
            for h in 0..<heads {
                let row = qkv + b * s * w, gradientRow = qkvGradient + b * s * w
                let q = row + h * dh, k = row + keyColumn(h), v = k + dkv
                let dq = gradientRow + h * dh, dk = gradientRow + keyColumn(h), dv = dk + dkv
                // The group's first head writes its dK and dV, the others add to them.
                let accumulate: T = h % group == 0 ? 0 : 1
                let p = probabilities + (b * heads + h) * s * s
                let dO = outGradient + b * s * d + h * dh
                engine.multiply(
                    transA: true, transB: false, m: s, n: dh, k: s, alpha: 1, a: p, lda: s,
                    b: dO, ldb: d, beta: accumulate, c: dv, ldc: w)
                engine.multiply(
                    transA: false, transB: true, m: s, n: s, k: dh, alpha: 1, a: dO, lda: d,
                    b: v, ldb: w, beta: 0, c: ds, ldc: s)
                Normalization.softmaxBackwardRows(
                    ds, p: p, rows: s, cols: s, causal: true, scale: scale,
                    threads: engine.threads)
                engine.multiply(
                    transA: false, transB: false, m: s, n: dh, k: s, alpha: 1, a: ds, lda: s,
                    b: k, ldb: w, beta: 0, c: dq, ldc: w)
                engine.multiply(
                    transA: true, transB: false, m: s, n: dh, k: s, alpha: 1, a: ds, lda: s,
                    b: q, ldb: w, beta: accumulate, c: dk, ldc: w)
            }
        }
    }
}
