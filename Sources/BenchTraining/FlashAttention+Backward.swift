import BenchCore

extension FlashAttention {
    /// One part of a (batch, KV head) item of the backward pass: key tiles `keyTiles` (all of
    /// them in one part). Per query head of the group and query tile `i` that reaches them: `Dᵢ = rowsum(dOᵢ ⊙ Oᵢ)`; per key tile `j` at or below the diagonal, recompute
    /// `P = exp(Q_i·K_jᵀ/√dₕ − L)` (masked), then `dV_j += Pᵀ·dO_i`, `dP = dO_i·V_jᵀ`,
    /// `dS = P ⊙ (dP − D)/√dₕ`, `dQ_i += dS·K_j`, `dK_j += dSᵀ·Q_i`. dK and dV accumulate over
    /// the whole group in the workspace and are written once at the end. Part 0 writes its dQ
    /// share in place, later parts into ``dqShares`` (``addShares(part:qkvGradient:)`` adds them).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backwardItem(
        batch b: Int, group g: Int, part: Int, keyTiles: Range<Int>, qkv: UnsafePointer<T>, out: UnsafePointer<T>,
        outGradient: UnsafePointer<T>, qkvGradient: UnsafeMutablePointer<T>, workspace ws: Workspace
    ) {
        let (s, d, dh, w) = (shape.sequence, shape.model, shape.headDimension, shape.rowWidth)
        let (br, bc) = (Self.queryBlock, Self.keyBlock)
        let (group, dkv) = (shape.heads / shape.kvHeads, shape.kvHeads * dh)
        let scale = T(1 / Double(dh).squareRoot())
        let row = qkv + b * s * w, gradientRow = qkvGradient + b * s * w
        let k = row + shape.model + g * dh, v = k + dkv
        let (kt, vt, dk, dv) = (ws.kt.base, ws.vt.base, ws.dk.base, ws.dv.base)
        let (p, dp, acc, rowD) = (ws.scores.base, ws.dp.base, ws.acc.base, ws.rowD.base)
        let keys = keyTiles.lowerBound * bc..<min(s, keyTiles.upperBound * bc)
        transposeTiles(k, stride: w, rows: keys, into: kt)
        transposeTiles(v, stride: w, rows: keys, into: vt)
        (dk + keys.lowerBound * dh).update(repeating: 0, count: keys.count * dh)
        (dv + keys.lowerBound * dh).update(repeating: 0, count: keys.count * dh)
        // Part 0 writes dQ in place (row stride w); later parts their share (row stride group·dₕ).
        let (share, shareStride) =
            part == 0
            ? (gradientRow, w)
            : (
                dqShares!.base + ((b * shape.kvHeads + g) * (backwardSplit.splits - 1) + part - 1) * s * group * dh
                    - g * group * dh, group * dh
            )
        for h in g * group..<(g + 1) * group {
            let q = row + h * dh, dq = share + h * dh
            let o = out + b * s * d + h * dh, dO = outGradient + b * s * d + h * dh
            let lse = logSumExp.base + (b * shape.heads + h) * s
            var i0 = keys.lowerBound / br * br
            while i0 < s {
                let rows = min(br, s - i0), last = i0 + rows - 1
                for r in 0..<rows {
                    rowD[r] = Self.dot(dO + (i0 + r) * d, o + (i0 + r) * d, count: dh)
                }
                acc.update(repeating: 0, count: rows * dh)
                var j0 = keys.lowerBound
                while j0 <= last, j0 < keys.upperBound {
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
                for r in 0..<rows { (dq + (i0 + r) * shareStride).update(from: acc + r * dh, count: dh) }
                i0 += br
            }
        }
        let dkOut = gradientRow + shape.model + g * dh, dvOut = dkOut + dkv
        for r in keys {
            (dkOut + r * w).update(from: dk + r * dh, count: dh)
            (dvOut + r * w).update(from: dv + r * dh, count: dh)
        }
    }

    /// Adds backward parts 1…'s dQ shares to the dQ that part 0 wrote, in part order, for
    /// participant `part`'s share of the `batch·S` rows (every query head of every group).
    /// A share holds rows from the query tile that reaches its first key.
    func addShares(part: Int, qkvGradient: UnsafeMutablePointer<T>) {
        guard let shares = dqShares else { return }
        let (s, dh, w, br, bc) = (shape.sequence, shape.headDimension, shape.rowWidth, Self.queryBlock, Self.keyBlock)
        let (group, splits) = (shape.heads / shape.kvHeads, backwardSplit.splits)
        let width = group * dh
        let participants = min(threads, shape.batch * s)
        let rows = shape.batch * s
        let chunk = (rows + participants - 1) / participants
        for index in part * chunk..<min(rows, (part + 1) * chunk) {
            let (b, r) = index.quotientAndRemainder(dividingBy: s)
            for g in 0..<shape.kvHeads {
                let dq = qkvGradient + index * w + g * width
                for piece in 1..<splits where r >= backwardSplit.bounds[piece] * bc / br * br {
                    let from = shares.base + (((b * shape.kvHeads + g) * (splits - 1) + piece - 1) * s + r) * width
                    Self.add(from, into: dq, count: width)
                }
            }
        }
    }

    /// `dst[x] += src[x]` for `x < n`, in vectors.
    @inline(__always)
    static func add(_ src: UnsafePointer<T>, into dst: UnsafeMutablePointer<T>, count n: Int) {
        let w = T.Vector.scalarCount
        var x = 0
        while x + w <= n {
            let sum =
                UnsafeRawPointer(dst + x).loadUnaligned(as: T.Vector.self)
                + UnsafeRawPointer(src + x).loadUnaligned(as: T.Vector.self)
            UnsafeMutableRawPointer(dst + x).storeBytes(of: sum, as: T.Vector.self)
            x += w
        }
        while x < n {
            dst[x] += src[x]
            x += 1
        }
    }
}
