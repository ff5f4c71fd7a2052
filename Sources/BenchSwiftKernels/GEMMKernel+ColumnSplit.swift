import BenchRuntime

/// The multi-threaded GEMM's column split: each thread computes its own columns of C from start
/// to end, with its own B panel (kept in its own L2) and no barrier between packing and the
/// sweep. The row split in `multiply` (one shared panel) serves narrow products.
extension GEMMKernel {
    /// Columns of C each thread needs before the threads split C's columns (each with its own
    /// B panel, in its own L2, and no barrier) rather than its rows (one shared panel).
    static var columnSplitMinimum: Int { 256 }

    /// Participant `t` computes C's columns `t`·n/threads…, single-threaded, with its own
    /// workspace (the columns are cut at sliver boundaries).
    struct ColumnSplit: ParallelBody {
        unowned(unsafe) let kernel: GEMMKernel
        let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T
        let a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, beta: T
        let c: UnsafeMutablePointer<T>, ldc: Int, skips: PackingSkips

        func callAsFunction(part t: Int) {
            let nr = GEMMKernel.nr, slivers = (n + nr - 1) / nr, threads = kernel.threads
            let c0 = min(n, slivers * t / threads * nr), c1 = min(n, slivers * (t + 1) / threads * nr)
            let mc = GEMMKernel.rowBlock(m: m, threads: 1)
            let panel = kernel.packedBs[t].base, aBlock = kernel.packedA[t].base, tile = kernel.tiles[t].base
            var jc = c0
            while jc < c1 {
                let ncCur = min(GEMMKernel.ncMax, c1 - jc)
                let panelSlivers = (ncCur + nr - 1) / nr
                var pc = 0
                while pc < k {
                    let kcCur = min(GEMMKernel.depthBlock(k: k), k - pc)
                    for s in 0..<panelSlivers where !skips.b {
                        kernel.packB(
                            b, ldb: ldb, transposed: transB, n: n, row: pc, rows: kcCur, col: jc + s * nr,
                            into: panel + s * nr * kcCur)
                    }
                    let accumulate = pc > 0 || beta != 0
                    var i0 = 0
                    while i0 < m {
                        let mcCur = min(mc, m - i0)
                        if !skips.a {
                            kernel.packA(
                                a, lda: lda, transposed: transA, alpha: alpha, row: i0, rows: mcCur, col: pc,
                                cols: kcCur, into: aBlock)
                        }
                        kernel.macroKernel(
                            aBlock: aBlock, rows: mcCur, kc: kcCur, sliverRange: 0..<panelSlivers, ncCur: ncCur,
                            c: c + i0 * ldc + jc, ldc: ldc, tile: tile, accumulate: accumulate, bPanel: panel)
                        i0 += mc
                    }
                    pc += kcCur
                }
                jc += ncCur
            }
        }
    }
}
