import BenchCore

extension FlashAttention {
    /// One part of a (batch, KV head) item of the forward pass: `units` of the group's query
    /// heads × query tiles (`head-in-group · queryTiles + tile`; all of them in one part). Per key tile `j` at or below the diagonal: `S = Q_i·K_jᵀ` (from the
    /// transposed K), scaled and masked; `m' = max(m, rowmax S)`, `P = exp(S − m')`,
    /// `ℓ = ℓ·e^{m−m'} + rowsum P`, `O = O·e^{m−m'} + P·V_j`. Then `O /= ℓ`, `L = m + log ℓ`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forwardItem(
        batch b: Int, group g: Int, units: Range<Int>, qkv: UnsafePointer<T>, out: UnsafeMutablePointer<T>,
        workspace ws: Workspace
    ) {
        let (s, d, dh, w) = (shape.sequence, shape.model, shape.headDimension, shape.rowWidth)
        let (br, bc) = (Self.queryBlock, Self.keyBlock)
        let group = shape.heads / shape.kvHeads
        let row = qkv + b * s * w
        let k = row + shape.model + g * dh, v = k + shape.kvHeads * dh
        let (kt, scores, acc) = (ws.kt.base, ws.scores.base, ws.acc.base)
        let (rowMax, rowSum) = (ws.rowMax.base, ws.rowSum.base)
        let queryTiles = (s + br - 1) / br
        // The keys the part's last query tile reaches.
        let lastRow = min(
            s,
            ((units.upperBound - 1) / group == units.lowerBound / group
                ? (units.upperBound - 1) % queryTiles + 1 : queryTiles) * br)
        transposeTiles(k, stride: w, rows: 0..<lastRow, into: kt)
        for unit in units {
            let h = g * group + unit / queryTiles, i0 = unit % queryTiles * br
            let q = row + h * dh
            let o = out + b * s * d + h * dh
            let lse = logSumExp.base + (b * shape.heads + h) * s
            do {
                let rows = min(br, s - i0), last = i0 + rows - 1
                rowMax.update(repeating: -.infinity, count: rows)
                rowSum.update(repeating: 0, count: rows)
                acc.update(repeating: 0, count: rows * dh)
                var j0 = 0
                while j0 <= last {
                    let nc = min(bc, last + 1 - j0)
                    scoreTile(q: q, i0: i0, rows: rows, j0: j0, nc: nc, kt: kt, into: scores)
                    for r in 0..<rows {
                        let sr = scores + r * bc
                        let valid = Self.valid(row: r, i0: i0, j0: j0, nc: nc)
                        guard valid > 0 else { continue }
                        let newMax = Swift.max(rowMax[r], Elementwise.maximum(sr, count: valid))
                        let correction = T.exponential(rowMax[r] - newMax)
                        let sum = Elementwise.exponentiate(sr, count: valid, shift: newMax)
                        rowSum[r] = rowSum[r] * correction + T(sum)
                        rowMax[r] = newMax
                        if correction != 1 {
                            let ar = acc + r * dh
                            for x in 0..<dh { ar[x] *= correction }
                        }
                    }
                    AttentionTile.multiply(
                        m: rows, n: dh, k: nc, a: scores, rowStride: bc, columnStride: 1, b: v + j0 * w, ldb: w,
                        c: acc, ldc: dh, accumulate: true)
                    j0 += bc
                }
                for r in 0..<rows {
                    let inverse = 1 / rowSum[r]
                    let (ar, or) = (acc + r * dh, o + (i0 + r) * d)
                    for x in 0..<dh { or[x] = ar[x] * inverse }
                    lse[i0 + r] = rowMax[r] + T.logarithm(rowSum[r])
                }
            }
        }
    }
}
