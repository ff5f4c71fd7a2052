import BenchCore

extension FlashAttention {
    /// One (batch, KV head) item of the backward pass. Per query head of the group and query
    /// tile `i`: `Dᵢ = rowsum(dOᵢ ⊙ Oᵢ)`; per key tile `j` at or below the diagonal, recompute
    /// `P = exp(Q_i·K_jᵀ/√dₕ − L)` (masked), then `dV_j += Pᵀ·dO_i`, `dP = dO_i·V_jᵀ`,
    /// `dS = P ⊙ (dP − D)/√dₕ`, `dQ_i += dS·K_j`, `dK_j += dSᵀ·Q_i`. dK and dV accumulate over
    /// the whole group in the workspace and are written once at the end.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backwardItem(
        batch b: Int, group g: Int, qkv: UnsafePointer<T>, out: UnsafePointer<T>, outGradient: UnsafePointer<T>,
        qkvGradient: UnsafeMutablePointer<T>, workspace ws: Workspace
    ) {
        let (s, d, dh, w) = (shape.sequence, shape.model, shape.headDimension, shape.rowWidth)
        let (br, bc) = (Self.queryBlock, Self.keyBlock)
        let (group, dkv) = (shape.heads / shape.kvHeads, shape.kvHeads * dh)
        let scale = T(1 / Double(dh).squareRoot())
        let row = qkv + b * s * w, gradientRow = qkvGradient + b * s * w
        let k = row + shape.model + g * dh, v = k + dkv
        let (kt, vt, dk, dv) = (ws.kt.base, ws.vt.base, ws.dk.base, ws.dv.base)
        let (p, dp, acc, rowD) = (ws.scores.base, ws.dp.base, ws.acc.base, ws.rowD.base)
        transposeTiles(k, stride: w, into: kt)
        transposeTiles(v, stride: w, into: vt)
        dk.update(repeating: 0, count: s * dh)
        dv.update(repeating: 0, count: s * dh)
        for h in g * group..<(g + 1) * group {
            let q = row + h * dh, dq = gradientRow + h * dh
            let o = out + b * s * d + h * dh, dO = outGradient + b * s * d + h * dh
            let lse = logSumExp.base + (b * shape.heads + h) * s
            var i0 = 0
            while i0 < s {
                let rows = min(br, s - i0), last = i0 + rows - 1
                for r in 0..<rows {
                    rowD[r] = Self.dot(dO + (i0 + r) * d, o + (i0 + r) * d, count: dh)
                }
                acc.update(repeating: 0, count: rows * dh)
                var j0 = 0
                while j0 <= last {
                    let nc = min(bc, last + 1 - j0)
                    scoreTile(q: q, i0: i0, rows: rows, j0: j0, nc: nc, kt: kt, into: p)
                    for r in 0..<rows where Self.valid(row: r, i0: i0, j0: j0, nc: nc) > 0 {
                        _ = Elementwise.exponentiate(
                            p + r * bc, count: Self.valid(row: r, i0: i0, j0: j0, nc: nc), shift: lse[i0 + r])
                    }
                    AttentionTile.multiply(
                        m: rows, n: nc, k: dh, a: dO + i0 * d, rowStride: d, columnStride: 1, b: tile(vt, at: j0),
                        ldb: bc,
                        c: dp, ldc: bc, accumulate: false)
                    AttentionTile.multiply(
                        m: nc, n: dh, k: rows, a: p, rowStride: 1, columnStride: bc, b: dO + i0 * d, ldb: d,
                        c: dv + j0 * dh, ldc: dh, accumulate: true)
                    // dS overwrites P.
                    for r in 0..<rows {
                        let (pr, dpr, dr) = (p + r * bc, dp + r * bc, rowD[r])
                        for c in 0..<nc { pr[c] = pr[c] * (dpr[c] - dr) * scale }
                    }
                    AttentionTile.multiply(
                        m: rows, n: dh, k: nc, a: p, rowStride: bc, columnStride: 1, b: k + j0 * w, ldb: w,
                        c: acc, ldc: dh, accumulate: true)
                    AttentionTile.multiply(
                        m: nc, n: dh, k: rows, a: p, rowStride: 1, columnStride: bc, b: q + i0 * w, ldb: w,
                        c: dk + j0 * dh, ldc: dh, accumulate: true)
                    j0 += bc
                }
                for r in 0..<rows { (dq + (i0 + r) * w).update(from: acc + r * dh, count: dh) }
                i0 += br
            }
        }
        let dkOut = gradientRow + shape.model + g * dh, dvOut = dkOut + dkv
        for r in 0..<s {
            (dkOut + r * w).update(from: dk + r * dh, count: dh)
            (dvOut + r * w).update(from: dv + r * dh, count: dh)
        }
    }
}
