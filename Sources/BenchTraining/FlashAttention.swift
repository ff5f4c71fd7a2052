import BenchCore
import BenchRuntime

/// Causal attention computed tile by tile, never holding more than one `Br × Bc` tile of the
/// `S×S` scores (Dao et al., FlashAttention-2, 2023): the forward pass keeps a running row
/// maximum and sum (online softmax) and stores only each row's log-sum-exp `L = m + log ℓ`; the
/// backward pass recomputes `P = exp(QKᵀ/√dₕ − L)` tile by tile. Key tiles entirely above the
/// diagonal are skipped, so about half of the causal scores are never computed.
///
/// The same packed `qkv` layout and results as ``CausalAttention``'s materialised path. Work
/// items are (batch, KV head) pairs: one item owns its group's K (transposed into its thread's
/// workspace; V too in backward) and sums the group's dK and dV. With fewer items than threads,
/// each item is cut into parts (``FlashSplit``): forward by query tiles, backward by key tiles
/// with dQ summed across the parts in a fixed order. Every buffer is allocated in `init`; the
/// passes allocate nothing.
final class FlashAttention<T: NativeScalar> {
    /// Query rows of a tile (a multiple of the tile product's 6 rows).
    static var queryBlock: Int { 48 }
    /// Key columns of a tile (a multiple of 2 vectors on every ISA).
    static var keyBlock: Int { 64 }

    let shape: CausalAttention<T>
    let threads: Int
    /// `L[b, h, i]`, the log-sum-exp of score row `i` (scaled), kept from forward for backward.
    let logSumExp: AlignedBuffer<T>
    let workspaces: [Workspace]
    /// How each item is cut into parts in forward and in backward (one part when the items
    /// keep every thread busy).
    let forwardSplit: FlashSplit, backwardSplit: FlashSplit
    /// Backward parts 1…'s dQ shares, `[item][part − 1][S][group·dₕ]` (only with more than one part).
    let dqShares: AlignedBuffer<T>?

    /// One thread's tiles and its work item's transposed K and V and dK, dV accumulators.
    final class Workspace {
        let kt: AlignedBuffer<T>, vt: AlignedBuffer<T>, dk: AlignedBuffer<T>, dv: AlignedBuffer<T>
        let scores: AlignedBuffer<T>, dp: AlignedBuffer<T>, acc: AlignedBuffer<T>
        let rowMax: AlignedBuffer<T>, rowSum: AlignedBuffer<T>, rowD: AlignedBuffer<T>

        init(sequence s: Int, headDimension dh: Int) {
            let (br, bc) = (FlashAttention.queryBlock, FlashAttention.keyBlock)
            func buffer(_ n: Int) -> AlignedBuffer<T> { AlignedBuffer(count: n, repeating: 0) }
            let padded = (s + bc - 1) / bc * bc
            (kt, vt, dk, dv) = (buffer(dh * padded), buffer(dh * padded), buffer(s * dh), buffer(s * dh))
            (scores, dp, acc) = (buffer(br * bc), buffer(br * bc), buffer(br * dh))
            (rowMax, rowSum, rowD) = (buffer(br), buffer(br), buffer(br))
        }
    }

    init(shape: CausalAttention<T>, threads: Int) {
        self.shape = shape
        let items = shape.batch * shape.kvHeads, group = shape.heads / shape.kvHeads
        let parts = FlashSplit.parts(threads: max(1, threads), items: items)
        forwardSplit = .forward(sequence: shape.sequence, group: group, parts: parts)
        backwardSplit = .backward(sequence: shape.sequence, parts: parts)
        let units = items * max(forwardSplit.splits, backwardSplit.splits)
        self.threads = max(1, min(threads, units))
        dqShares =
            backwardSplit.splits > 1
            ? AlignedBuffer(
                count: items * (backwardSplit.splits - 1) * shape.sequence * group * shape.headDimension,
                repeating: 0) : nil
        logSumExp = AlignedBuffer(count: shape.batch * shape.heads * shape.sequence, repeating: 0)
        workspaces = (0..<self.threads).map { _ in
            Workspace(sequence: shape.sequence, headDimension: shape.headDimension)
        }
    }

    var items: Int { shape.batch * shape.kvHeads }

    /// `out[T×D]` = causal softmax(QKᵀ/√dₕ)·V per head, and ``logSumExp``. (Specialised, so
    /// the worker pool gets a concrete body: a generic one costs a heap box per call.)
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward(qkv: UnsafePointer<T>, out: UnsafeMutablePointer<T>) {
        WorkerPool.shared.run(
            participants: min(threads, items * forwardSplit.splits),
            Pass(attention: self, qkv: qkv, out: out, backward: nil, reduce: false))
    }

    /// `dqkv` (every column: dQ, and each group's dK and dV summed over its query heads) from
    /// the forward pass's `qkv`, its output `out` and ``logSumExp``, and `dO`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward(
        qkv: UnsafePointer<T>, out: UnsafePointer<T>, outGradient: UnsafePointer<T>,
        qkvGradient: UnsafeMutablePointer<T>
    ) {
        let pass = Pass(
            attention: self, qkv: qkv, out: UnsafeMutablePointer(mutating: out),
            backward: (outGradient, qkvGradient), reduce: false)
        WorkerPool.shared.run(participants: min(threads, items * backwardSplit.splits), pass)
        if dqShares != nil {
            WorkerPool.shared.run(
                participants: min(threads, shape.batch * shape.sequence),
                Pass(
                    attention: self, qkv: qkv, out: pass.out, backward: (outGradient, qkvGradient), reduce: true))
        }
    }

    /// Participant `part` runs units `part, part + participants, …` (a unit: one part of one
    /// item) with its own workspace; or, with `reduce`, its share of the dQ rows.
    struct Pass: ParallelBody {
        let attention: FlashAttention
        let qkv: UnsafePointer<T>, out: UnsafeMutablePointer<T>
        let backward: (outGradient: UnsafePointer<T>, qkvGradient: UnsafeMutablePointer<T>)?
        let reduce: Bool

        func callAsFunction(part: Int) {
            if reduce, let backward {
                attention.addShares(part: part, qkvGradient: backward.qkvGradient)
                return
            }
            let workspace = attention.workspaces[part]
            let split = backward == nil ? attention.forwardSplit : attention.backwardSplit
            let units = attention.items * split.splits
            let participants = min(attention.threads, units)
            var unit = part
            while unit < units {
                let (item, piece) = unit.quotientAndRemainder(dividingBy: split.splits)
                let (b, g) = item.quotientAndRemainder(dividingBy: attention.shape.kvHeads)
                let range = split.bounds[piece]..<split.bounds[piece + 1]
                if let backward {
                    attention.backwardItem(
                        batch: b, group: g, part: piece, keyTiles: range, qkv: qkv, out: out,
                        outGradient: backward.outGradient, qkvGradient: backward.qkvGradient, workspace: workspace)
                } else {
                    attention.forwardItem(batch: b, group: g, units: range, qkv: qkv, out: out, workspace: workspace)
                }
                unit += participants
            }
        }
    }

    /// A K or V head (`S × dₕ`, row stride `stride`) transposed key tile by key tile, the layout
    /// the score tiles read: tile `j` is `dₕ × Bc` at `dst + j·dₕ·Bc`,
    /// `dst[j·dₕ·Bc + x·Bc + c] = src[(j·Bc + c)·stride + x]`. (One `dₕ × S` transpose would put
    /// its rows `4S` bytes apart: at S = 256 that is 1 KiB, and the 64 rows a tile reads or writes
    /// then fall into a few L1 sets and evict each other; measured 14% of the pass.)
    /// Only rows `rows` (whole key tiles, or up to S) are transposed.
    @inline(__always)
    func transposeTiles(
        _ src: UnsafePointer<T>, stride: Int, rows: Range<Int>? = nil, into dst: UnsafeMutablePointer<T>
    ) {
        let (dh, bc) = (shape.headDimension, Self.keyBlock)
        for r in rows ?? 0..<shape.sequence {
            let row = src + r * stride
            let column = dst + (r / bc) * dh * bc + r % bc
            for x in 0..<dh { column[x * bc] = row[x] }
        }
    }

    /// Key tile `j0 / Bc` of a head transposed by ``transposeTiles(_:stride:into:)``.
    @inline(__always)
    func tile(_ transposed: UnsafeMutablePointer<T>, at j0: Int) -> UnsafeMutablePointer<T> {
        transposed + j0 / Self.keyBlock * shape.headDimension * Self.keyBlock
    }

    /// `Σ a[x]·b[x]` for `x < n`, in vectors (a scalar sum does not vectorise: its order is fixed).
    @inline(__always)
    static func dot(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count n: Int) -> T {
        let w = T.Vector.scalarCount
        var acc = T.Vector()
        var x = 0
        while x + w <= n {
            acc = fma(
                acc, UnsafeRawPointer(a + x).loadUnaligned(as: T.Vector.self),
                UnsafeRawPointer(b + x).loadUnaligned(as: T.Vector.self))
            x += w
        }
        var sum = acc.sum()
        while x < n {
            sum += a[x] * b[x]
            x += 1
        }
        return sum
    }

    /// The score tile `S = Q_i·K_jᵀ/√dₕ` of query rows `i0..<i0+rows` (row stride `w` from `q`)
    /// and keys `j0..<j0+nc` (from the transposed tiles `kt`) into `out` (row stride `Bc`), with
    /// the masked entries (key past the query) zeroed: row `r` has ``valid(row:i0:j0:nc:)`` entries.
    @inline(__always)
    func scoreTile(
        q: UnsafePointer<T>, i0: Int, rows: Int, j0: Int, nc: Int, kt: UnsafeMutablePointer<T>,
        into out: UnsafeMutablePointer<T>
    ) {
        let (dh, w, bc) = (shape.headDimension, shape.rowWidth, Self.keyBlock)
        let scale = T(1 / Double(dh).squareRoot())
        AttentionTile.multiply(
            m: rows, n: nc, k: dh, a: q + i0 * w, rowStride: w, columnStride: 1, b: tile(kt, at: j0), ldb: bc,
            c: out, ldc: bc, accumulate: false)
        for r in 0..<rows {
            let row = out + r * bc, valid = max(Self.valid(row: r, i0: i0, j0: j0, nc: nc), 0)
            for c in 0..<valid { row[c] *= scale }
            if valid < nc { (row + valid).update(repeating: 0, count: nc - valid) }
        }
    }

    /// Unmasked entries of row `r` of a score tile (≤ 0 when the whole row is masked).
    @inline(__always)
    static func valid(row r: Int, i0: Int, j0: Int, nc: Int) -> Int { min(nc, i0 + r - j0 + 1) }
}
