import BenchRuntime

/// The multi-threaded GEMM's row split, for products too narrow for the column split: the
/// threads pack one shared B panel, then share out its work items.
extension GEMMKernel {
    /// Participant `t` packs slivers `t`, `t + threads`, … of the op(B) panel at (`row`, `col`).
    struct PackPanel: ParallelBody {
        unowned(unsafe) let kernel: GEMMKernel
        let b: UnsafePointer<T>, ldb: Int, transposed: Bool, n: Int, row: Int, rows: Int, col: Int, slivers: Int

        func callAsFunction(part t: Int) {
            let nr = GEMMKernel.nr
            var s = t
            while s < slivers {
                kernel.packB(
                    b, ldb: ldb, transposed: transposed, n: n, row: row, rows: rows, col: col + s * nr,
                    into: kernel.packedBs[0].base + s * nr * rows)
                s += kernel.threads
            }
        }
    }

    /// Participant `t` takes work items `t`, `t + threads`, …: an `mc`-row block of op(A)
    /// (packed into its own buffer) times a range of the packed panel's slivers.
    struct Sweep: ParallelBody {
        unowned(unsafe) let kernel: GEMMKernel
        let a: UnsafePointer<T>, lda: Int, transposed: Bool, alpha: T
        let m: Int, mc: Int, pc: Int, kc: Int, jc: Int, ncCur: Int, slivers: Int, chunks: Int, items: Int
        let c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool, skipA: Bool

        func callAsFunction(part t: Int) {
            var packedBlock = -1
            var item = t
            let aBlock = kernel.packedA[t].base, tile = kernel.tiles[t].base
            while item < items {
                let ib = item / chunks, chunk = item % chunks
                let i0 = ib * mc
                let mcCur = min(mc, m - i0)
                if packedBlock != ib && !skipA {
                    kernel.packA(
                        a, lda: lda, transposed: transposed, alpha: alpha, row: i0, rows: mcCur, col: pc,
                        cols: kc, into: aBlock)
                    packedBlock = ib
                }
                let perChunk = (slivers + chunks - 1) / chunks
                let s0 = chunk * perChunk, s1 = min(slivers, s0 + perChunk)
                if s0 < s1 {
                    kernel.macroKernel(
                        aBlock: aBlock, rows: mcCur, kc: kc, sliverRange: s0..<s1, ncCur: ncCur,
                        c: c + i0 * ldc + jc, ldc: ldc, tile: tile, accumulate: accumulate,
                        bPanel: kernel.packedBs[0].base)
                }
                item += kernel.threads
            }
        }
    }
}
