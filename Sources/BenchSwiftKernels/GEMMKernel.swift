import BenchCore
import BenchRuntime
import BenchTraining

/// The B panel's width for `elementBytes`-wide values and `kc` rows: half of this CPU's L2
/// (read once), at least 512 and at most 2048 columns, a multiple of 64. On AMD Zen 5 (family
/// 0x1A), 2048 fp32 columns (a 2 MiB panel, in L3): A is packed once per panel, so a wider panel
/// packs it less often, and Zen 5 streams the panel's slivers from L3 fast enough. Measured there
/// (1 MiB L2) on the mlp_step's six matmuls: 0.968× rather than 0.926× OpenBLAS
/// (docs/performance.md). fp64 keeps 512 columns: 1024 lost 8% at N=2048. On the AVX-512 host
/// of the first GEMM measurements (2026-11-26) a 2048-column panel had been slower (0.83×).
func gemmPanelColumns(elementBytes: Int, kc: Int) -> Int {
    if elementBytes == 4, let cpu = HostProbe.cpuFamily, cpu.vendor == "AuthenticAMD", cpu.family >= 0x1A {
        return 2048
    }
    let l2 = HostProbe.l2CacheBytes ?? (1 << 20)
    return min(2048, max(512, l2 / 2 / (kc * elementBytes) / 64 * 64))
}

/// The deepest k block for `elementBytes`-wide values, given the usual depth `kc`: a product at
/// most this deep is one block, so C is written once. `2·kc` for fp32 on AMD Zen 5 (family
/// 0x1A), where it was measured: at 2 threads, mlp_step B=512 +1.1–2.8% and the Llama block at
/// 512 tokens +1.6–1.7% (their weight gradients are 512 deep), 1 thread unchanged
/// (docs/performance.md, "Issue 28, fifth pass"). Elsewhere `kc`: a 512-deep B sliver (64 KiB
/// in fp32) is past a 48 KiB L1, and it was not measured there.
func gemmDeepestBlock(elementBytes: Int, kc: Int) -> Int {
    if elementBytes == 4, let cpu = HostProbe.cpuFamily, cpu.vendor == "AuthenticAMD", cpu.family >= 0x1A {
        return 2 * kc
    }
    return kc
}

/// The A block's rows for `elementBytes`-wide values and `kc` columns (a multiple of 12, so of
/// every `mr`).
func gemmRowBlock(elementBytes: Int, kc: Int) -> Int {
    guard let l2 = HostProbe.l2CacheBytes, l2 >= 2 << 20 else { return 144 }
    return min(432, max(144, l2 / 5 / (kc * elementBytes) / 12 * 12))
}

/// A packed, cache-blocked, multi-threaded GEMM over row-major matrices,
/// `C[m×n] = α·op(A)·op(B) + β·C` with `op(X)` = `X` or `Xᵀ`, in the style of
/// Goto & van de Geijn (2008).
///
/// Loop nest: `jc` over N in steps of `nc` → `pc` over K in steps of `kc`
/// (pack the op(B) panel) → `ic` blocks of `mc` rows (pack α·op(A)) → the `mr` × 2W register
/// micro-kernel (12 × 2W on AVX-512 and NEON, 6 × 2W on AVX2 and SSE2: see
/// `nativeVectorRegisters`). On several threads, with at least ``columnSplitMinimum`` columns a
/// thread, each thread runs the whole nest on its own columns (`GEMMKernel+ColumnSplit.swift`);
/// narrower products share one panel and spread work items (an `ic` block × a range of
/// `nr`-wide slivers) over the threads.
///
/// Blocking (elements): `kc` = 256 so a packed B sliver (`kc × nr`, 32 KiB)
/// stays in L1 (48 KiB per core here), except that on Zen 5 a product at most 512 deep is one
/// block (``kcLargest``); `mc` = 144 so a packed A block
/// (`mc × kc`, 144–288 KiB) stays in L2; `nc` so the B panel takes half the L2 beside it
/// (``gemmPanelColumns(elementBytes:kc:)``: 512 fp32 columns with a 1 MiB L2, 1024 with 2 MiB).
/// Measured: `nc` = 2048 (panel in L3 with a 1 MiB L2) gave 0.83× OpenBLAS at N=2048, `nc` = 512
/// 0.90×; on a 2 MiB L2, 1024 rather than 512 gave +4% (docs/performance.md). The workspace depends only on these
/// blocks, not on the shape, so one kernel serves every matmul of a training
/// step; it is allocated in `init` and ``multiply(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// allocates nothing.
public final class GEMMKernel<T: NativeScalar> {
    /// Rows of the micro-kernel tile: 12 with 32 vector registers, 6 with 16 (so the 2·mr
    /// accumulators, two B vectors and a broadcast stay in registers).
    static var mr: Int {
        #if (arch(x86_64) && BENCH_AVX512) || arch(arm64)
            12
        #else
            6
        #endif
    }
    /// Columns of the micro-kernel tile: two vectors.
    static var nr: Int { 2 * T.Vector.scalarCount }
    static var kcMax: Int { 256 }
    /// The deepest block: a product at most this deep is one block
    /// (``gemmDeepestBlock(elementBytes:kc:)``: 512 for fp32 on Zen 5, else `kcMax`).
    static var kcLargest: Int { gemmDeepestBlock(elementBytes: MemoryLayout<T>.stride, kc: kcMax) }
    /// The depth of the k blocks of a product `k` deep.
    static func depthBlock(k: Int) -> Int { k <= kcLargest ? k : kcMax }
    /// Rows of a packed A block: 144 (the measured block on 1 MiB L2s), and with an L2 of 2 MiB
    /// or more a fifth of it (408 fp32 rows with 2 MiB): +2% at N=2048 (docs/performance.md).
    static var mcMax: Int { gemmRowBlock(elementBytes: MemoryLayout<T>.stride, kc: kcMax) }
    /// Columns of the B panel: the panel (`kc × nc`) takes at most half the L2 cache, and at
    /// least 512 columns (1024 fp32 columns with a 2 MiB L2; 512 with 1 MiB, and for fp64), and
    /// 2048 fp32 columns on Zen 5.
    static var ncMax: Int { gemmPanelColumns(elementBytes: MemoryLayout<T>.stride, kc: kcMax) }

    public let threads: Int
    /// How training kernels on this engine run causal attention: cpu-swift's flash kernel unless
    /// asked for the materialised path (`BENCH_ATTENTION=materialized`, for comparisons).
    public let attentionAlgorithm: AttentionAlgorithm
    /// One B panel per thread: the row split shares the first, the column split gives each
    /// thread its own.
    let packedBs: [AlignedBuffer<T>]
    let packedA: [AlignedBuffer<T>]
    let tiles: [AlignedBuffer<T>]
    /// The shape of the convenience `multiply(a:b:c:)`, or zeros.
    public let m: Int, n: Int, k: Int
    #if BENCH_PACKING_BOUND
        /// Experiment build only: the first product, whether it came again, and what to skip
        /// (`GEMMKernel+PackingBound.swift`).
        var boundFirstProduct: [Int] = [], boundRepeated = false
        let boundMode = PackingBoundMode.fromEnvironment()
    #endif

    /// A kernel for any shape, with `threads` workers.
    public convenience init(threads: Int, attention: AttentionAlgorithm = .flash) {
        self.init(m: 0, n: 0, k: 0, threads: threads, attention: attention)
    }

    /// A kernel for `C[m×n] = A[m×k]·B[k×n]` (see ``multiply(a:b:c:)``), with `threads` workers.
    public init(m: Int, n: Int, k: Int, threads: Int, attention: AttentionAlgorithm = .flash) {
        precondition(
            m >= 0 && n >= 0 && k >= 0 && threads > 0, "GEMM dimensions must be non-negative, threads positive")
        self.m = m
        self.n = n
        self.k = k
        self.threads = threads
        attentionAlgorithm = attention
        let mr = Self.mr, nr = Self.nr
        packedBs = (0..<threads).map { _ in AlignedBuffer(count: Self.kcLargest * Self.ncMax, repeating: 0) }
        let aCount = (Self.mcMax + mr) * Self.kcLargest
        packedA = (0..<threads).map { _ in AlignedBuffer(count: aCount, repeating: 0) }
        tiles = (0..<threads).map { _ in AlignedBuffer(count: mr * nr, repeating: 0) }
    }

    /// Computes `C = A·B` over dense row-major buffers of the shape given at `init`.
    public func multiply(a: UnsafePointer<T>, b: UnsafePointer<T>, c: UnsafeMutablePointer<T>) {
        multiply(
            transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: c, ldc: n)
    }

    /// Computes `C = α·op(A)·op(B) + β·C` over row-major buffers.
    ///
    /// - Parameters:
    ///   - transA: `op(A) = Aᵀ`; then A is stored `k × m` with row stride `lda`.
    ///   - transB: `op(B) = Bᵀ`; then B is stored `n × k` with row stride `ldb`.
    ///   - beta: 0 overwrites C (its old contents, even NaN, are ignored), 1 accumulates.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func multiply(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if beta != 0 && beta != 1 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
        }
        if k == 0 {
            if beta == 0 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
            return
        }
        let nr = Self.nr
        let skips = packingSkips(transA: transA, a: a, m: m, n: n, k: k)
        if threads > 1 && n >= threads * Self.columnSplitMinimum {
            parallel(
                ColumnSplit(
                    kernel: self, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                    b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, skips: skips))
            return
        }
        let mc = Self.rowBlock(m: m, threads: threads)
        var jc = 0
        while jc < n {
            let ncCur = min(Self.ncMax, n - jc)
            let slivers = (ncCur + nr - 1) / nr
            var pc = 0
            while pc < k {
                let kcCur = min(Self.depthBlock(k: k), k - pc)
                if !skips.b {
                    parallel(
                        PackPanel(
                            kernel: self, b: b, ldb: ldb, transposed: transB, n: n, row: pc, rows: kcCur,
                            col: jc, slivers: slivers))
                }
                let icBlocks = (m + mc - 1) / mc
                let chunks = icBlocks >= threads ? 1 : (threads + icBlocks - 1) / icBlocks
                let items = icBlocks * chunks
                let accumulate = pc > 0 || beta != 0
                parallel(
                    Sweep(
                        kernel: self, a: a, lda: lda, transposed: transA, alpha: alpha, m: m, mc: mc, pc: pc,
                        kc: kcCur, jc: jc, ncCur: ncCur, slivers: slivers, chunks: chunks, items: items,
                        c: c, ldc: ldc, accumulate: accumulate, skipA: skips.a))
                pc += kcCur
            }
            jc += ncCur
        }
    }

    /// The `mc` for `m` rows: at most `mcMax`, a multiple of `mr`, and with more than one
    /// thread and at least as many blocks as threads, equal blocks in a multiple of `threads`
    /// so the threads get the same number of rows (`m` = 512 on 2 threads: 4 blocks of 132
    /// rows rather than 144, 144, 144, 80, which left one thread 29% more rows).
    static func rowBlock(m: Int, threads: Int) -> Int {
        let mr = Self.mr
        var blocks = (m + mcMax - 1) / mcMax
        if threads > 1 && blocks >= threads { blocks = (blocks + threads - 1) / threads * threads }
        let rows = (m + blocks - 1) / blocks
        return min(mcMax, (rows + mr - 1) / mr * mr)
    }

    /// Runs `body(part: t)` for t in 0..<threads, on the calling thread when single-threaded.
    @inline(__always)
    func parallel<Body: ParallelBody>(_ body: Body) {
        if threads == 1 {
            body(part: 0)
        } else {
            // The workers only touch disjoint parts of C and their own workspace,
            // and run returns after all of them.
            WorkerPool.shared.run(participants: threads, body)
        }
    }

    /// Multiplies a packed A block by the packed B slivers in `sliverRange` into C.
    func macroKernel(
        aBlock: UnsafePointer<T>, rows: Int, kc: Int, sliverRange: Range<Int>, ncCur: Int,
        c: UnsafeMutablePointer<T>, ldc: Int, tile: UnsafeMutablePointer<T>, accumulate: Bool,
        bPanel: UnsafeMutablePointer<T>
    ) {
        let mr = Self.mr, nr = Self.nr
        let bPanel = UnsafePointer(bPanel)
        #if BENCH_TEST_EXTRA_WORK
            // Test-only (scripts/perf-compare-counts): fp32 computes 1 tile in 50 a second time,
            // into the scratch tile, so the native fp32 GEMM does about 2% more work.
            var tileNumber = 0
        #endif
        for s in sliverRange {
            let cols = min(nr, ncCur - s * nr)
            let bSliver = bPanel + s * nr * kc
            var i = 0
            while i < rows {
                let rowsHere = min(mr, rows - i)
                let aSliver = aBlock + i * kc
                let cTile = c + i * ldc + s * nr
                #if BENCH_TEST_EXTRA_WORK
                    if T.self == Float.self, tileNumber % 50 == 0 {
                        Self.microKernel(kc: kc, a: aSliver, b: bSliver, c: tile, ldc: nr, accumulate: false)
                    }
                    tileNumber += 1
                #endif
                if rowsHere == mr && cols == nr {
                    Self.microKernel(kc: kc, a: aSliver, b: bSliver, c: cTile, ldc: ldc, accumulate: accumulate)
                } else {
                    Self.microKernel(kc: kc, a: aSliver, b: bSliver, c: tile, ldc: nr, accumulate: false)
                    for r in 0..<rowsHere {
                        let dst = cTile + r * ldc, src = tile + r * nr
                        if accumulate {
                            for j in 0..<cols { dst[j] += src[j] }
                        } else {
                            for j in 0..<cols { dst[j] = src[j] }
                        }
                    }
                }
                i += mr
            }
        }
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<T>) -> T.Vector {
        UnsafeRawPointer(p).loadUnaligned(as: T.Vector.self)
    }

    @inline(__always)
    static func store(_ v0: T.Vector, _ v1: T.Vector, to p: UnsafeMutablePointer<T>, _ w: Int) {
        UnsafeMutableRawPointer(p).storeBytes(of: v0, as: T.Vector.self)
        UnsafeMutableRawPointer(p + w).storeBytes(of: v1, as: T.Vector.self)
    }
}
