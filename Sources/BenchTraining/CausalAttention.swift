import BenchCore

/// Causal multi-head scaled-dot-product attention over a packed `qkv[T×3D]` buffer,
/// forward and backward, matmuls through a ``MatrixEngine``.
///
/// Rows are batch-major (row `b·S + i`); head `h` reads columns `h·dh…` of the Q, K
/// and V thirds. The probabilities of every (batch, head) are kept for backward.
struct CausalAttention<T: NativeScalar> {
    let batch: Int, sequence: Int, model: Int, heads: Int
    var headDimension: Int { model / heads }

    /// Per (batch, head): `P = softmax(QKᵀ/√dₕ, causal)`, `O = P·V` into `out[T×D]`.
    func forward(
        engine: any MatrixEngine<T>, qkv: UnsafePointer<T>, probabilities: UnsafeMutablePointer<T>,
        out: UnsafeMutablePointer<T>
    ) {
        let (s, d, dh) = (sequence, model, headDimension)
        let scale = T(1 / Double(dh).squareRoot())
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * s * 3 * d + h * dh, k = q + d, v = q + 2 * d
                let p = probabilities + (b * heads + h) * s * s
                engine.multiply(
                    transA: false, transB: true, m: s, n: s, k: dh, alpha: scale, a: q, lda: 3 * d,
                    b: k, ldb: 3 * d, beta: 0, c: p, ldc: s)
                Normalization.softmaxRows(p, rows: s, cols: s, ld: s, causal: true, threads: engine.threads)
                engine.multiply(
                    transA: false, transB: false, m: s, n: dh, k: s, alpha: 1, a: p, lda: s,
                    b: v, ldb: 3 * d, beta: 0, c: out + b * s * d + h * dh, ldc: d)
            }
        }
    }

    /// Per (batch, head): `dV = Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))/√dₕ`,
    /// `dQ = dS·K`, `dK = dSᵀ·Q`, written into the matching columns of `dqkv[T×3D]`.
    /// `scratch` holds `S×S` values.
    func backward(
        engine: any MatrixEngine<T>, qkv: UnsafePointer<T>, probabilities: UnsafePointer<T>,
        outGradient: UnsafePointer<T>,
        qkvGradient: UnsafeMutablePointer<T>, scratch ds: UnsafeMutablePointer<T>
    ) {
        let (s, d, dh) = (sequence, model, headDimension)
        let scale = T(1 / Double(dh).squareRoot())
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * s * 3 * d + h * dh, k = q + d, v = q + 2 * d
                let dq = qkvGradient + b * s * 3 * d + h * dh, dk = dq + d, dv = dq + 2 * d
                let p = probabilities + (b * heads + h) * s * s
                let dO = outGradient + b * s * d + h * dh
                engine.multiply(
                    transA: true, transB: false, m: s, n: dh, k: s, alpha: 1, a: p, lda: s,
                    b: dO, ldb: d, beta: 0, c: dv, ldc: 3 * d)
                engine.multiply(
                    transA: false, transB: true, m: s, n: s, k: dh, alpha: 1, a: dO, lda: d,
                    b: v, ldb: 3 * d, beta: 0, c: ds, ldc: s)
                Normalization.softmaxBackwardRows(
                    ds, p: p, rows: s, cols: s, causal: true, scale: scale,
                    threads: engine.threads)
                engine.multiply(
                    transA: false, transB: false, m: s, n: dh, k: s, alpha: 1, a: ds, lda: s,
                    b: k, ldb: 3 * d, beta: 0, c: dq, ldc: 3 * d)
                engine.multiply(
                    transA: true, transB: false, m: s, n: dh, k: s, alpha: 1, a: ds, lda: s,
                    b: q, ldb: 3 * d, beta: 0, c: dk, ldc: 3 * d)
            }
        }
    }
}
