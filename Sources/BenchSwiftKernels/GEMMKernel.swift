import BenchCore
import Dispatch

/// A packed, cache-blocked, multi-threaded GEMM, `C[M×N] = A[M×K]·B[K×N]`
/// (row-major, no transposes), in the style of Goto & van de Geijn (2008).
///
/// Loop nest: `jc` over N in steps of `nc` → `pc` over K in steps of `kc`
/// (pack the B panel, shared by all threads) → work items of (`ic` block of
/// `mc` rows × range of `nr`-wide slivers), spread over the threads (each
/// packs its own A block) → the 12 × 2W register micro-kernel.
///
/// Blocking (elements): `kc` = 256 so a packed B sliver (`kc × nr`, 32 KiB)
/// stays in a 48 KiB L1; `mc` = 144 so a packed A block (`mc × kc`, 144–288 KiB)
/// stays in L2; `nc` = 2048 so the B panel (2–4 MiB) stays in L3.
/// All workspace is allocated in `init`; ``multiply(a:b:c:)`` allocates nothing.
public final class GEMMKernel<T: NativeScalar> {
    /// Rows of the micro-kernel tile.
    static var mr: Int { 12 }
    /// Columns of the micro-kernel tile: two vectors.
    static var nr: Int { 2 * T.Vector.scalarCount }

    public let m: Int, n: Int, k: Int
    public let threads: Int
    let kc: Int, mc: Int, nc: Int
    private let packedB: AlignedBuffer<T>
    private let packedA: [AlignedBuffer<T>]
    private let tiles: [AlignedBuffer<T>]

    /// Plans the blocking for one shape and allocates the workspace.
    public init(m: Int, n: Int, k: Int, threads: Int) {
        precondition(m > 0 && n > 0 && k > 0 && threads > 0, "GEMM dimensions and threads must be positive")
        self.m = m
        self.n = n
        self.k = k
        self.threads = threads
        let mr = Self.mr, nr = Self.nr
        kc = min(k, 256)
        mc = min(144, (m + mr - 1) / mr * mr)
        nc = min(2048, (n + nr - 1) / nr * nr)
        packedB = AlignedBuffer(count: kc * nc, repeating: 0)
        let aCount = (mc + mr) * kc
        packedA = (0..<threads).map { _ in AlignedBuffer(count: aCount, repeating: 0) }
        tiles = (0..<threads).map { _ in AlignedBuffer(count: mr * nr, repeating: 0) }
    }

    /// Computes `C = A·B` over row-major buffers of this kernel's shape.
    public func multiply(a: UnsafePointer<T>, b: UnsafePointer<T>, c: UnsafeMutablePointer<T>) {
        let nr = Self.nr
        var jc = 0
        while jc < n {
            let ncCur = min(nc, n - jc)
            let slivers = (ncCur + nr - 1) / nr
            var pc = 0
            while pc < k {
                let kcCur = min(kc, k - pc)
                parallel { t in
                    var s = t
                    while s < slivers {
                        self.packB(b, row: pc, rows: kcCur, col: jc + s * nr, into: self.packedB.base + s * nr * kcCur)
                        s += self.threads
                    }
                }
                let icBlocks = (m + mc - 1) / mc
                let chunks = icBlocks >= threads ? 1 : (threads + icBlocks - 1) / icBlocks
                let items = icBlocks * chunks
                let accumulate = pc > 0
                parallel { t in
                    var packedBlock = -1
                    var item = t
                    while item < items {
                        let ib = item / chunks, chunk = item % chunks
                        let i0 = ib * self.mc
                        let mcCur = min(self.mc, self.m - i0)
                        let aBlock = self.packedA[t].base
                        if packedBlock != ib {
                            self.packA(a, row: i0, rows: mcCur, col: pc, cols: kcCur, into: aBlock)
                            packedBlock = ib
                        }
                        let perChunk = (slivers + chunks - 1) / chunks
                        let s0 = chunk * perChunk, s1 = min(slivers, s0 + perChunk)
                        if s0 < s1 {
                            self.macroKernel(
                                aBlock: aBlock, rows: mcCur, kc: kcCur, sliverRange: s0..<s1, ncCur: ncCur,
                                c: c + i0 * self.n + jc, tile: self.tiles[t].base, accumulate: accumulate)
                        }
                        item += self.threads
                    }
                }
                pc += kcCur
            }
            jc += ncCur
        }
    }

    /// Runs `body(t)` for t in 0..<threads, on the calling thread when single-threaded.
    @inline(__always)
    private func parallel(_ body: (Int) -> Void) {
        if threads == 1 {
            body(0)
        } else {
            // The workers only touch disjoint parts of C and their own workspace,
            // and concurrentPerform returns after all of them: safe to share.
            withoutActuallyEscaping(body) { body in
                let shared = unsafeBitCast(body, to: (@Sendable (Int) -> Void).self)
                DispatchQueue.concurrentPerform(iterations: threads, execute: shared)
            }
        }
    }

    /// Packs `B[row..<row+rows, col..<col+nr]` as `rows` groups of `nr` contiguous
    /// values, zero-padding columns past N.
    private func packB(_ b: UnsafePointer<T>, row: Int, rows: Int, col: Int, into dst: UnsafeMutablePointer<T>) {
        let nr = Self.nr, w = T.Vector.scalarCount
        let valid = min(nr, n - col)
        if valid == nr {
            for p in 0..<rows {
                let src = UnsafeRawPointer(b + (row + p) * n + col)
                let out = UnsafeMutableRawPointer(dst + p * nr)
                out.storeBytes(of: src.loadUnaligned(as: T.Vector.self), as: T.Vector.self)
                out.storeBytes(of: src.loadUnaligned(fromByteOffset: w * MemoryLayout<T>.stride, as: T.Vector.self),
                               toByteOffset: w * MemoryLayout<T>.stride, as: T.Vector.self)
            }
        } else {
            for p in 0..<rows {
                let src = b + (row + p) * n + col
                let out = dst + p * nr
                for j in 0..<valid { out[j] = src[j] }
                for j in valid..<nr { out[j] = 0 }
            }
        }
    }

    /// Packs `A[row..<row+rows, col..<col+cols]` as slivers of `mr` rows, each
    /// stored as `cols` groups of `mr` values, zero-padding rows past the block.
    private func packA(_ a: UnsafePointer<T>, row: Int, rows: Int, col: Int, cols: Int, into dst: UnsafeMutablePointer<T>) {
        let mr = Self.mr
        var s = 0
        while s * mr < rows {
            let base = dst + s * mr * cols
            let valid = min(mr, rows - s * mr)
            for r in 0..<mr {
                if r < valid {
                    let src = a + (row + s * mr + r) * k + col
                    var out = base + r
                    for p in 0..<cols {
                        out.pointee = src[p]
                        out += mr
                    }
                } else {
                    var out = base + r
                    for _ in 0..<cols {
                        out.pointee = 0
                        out += mr
                    }
                }
            }
            s += 1
        }
    }

    /// Multiplies a packed A block by the packed B slivers in `sliverRange` into C.
    private func macroKernel(
        aBlock: UnsafePointer<T>, rows: Int, kc: Int, sliverRange: Range<Int>, ncCur: Int,
        c: UnsafeMutablePointer<T>, tile: UnsafeMutablePointer<T>, accumulate: Bool
    ) {
        let mr = Self.mr, nr = Self.nr
        let bPanel = UnsafePointer(packedB.base)
        for s in sliverRange {
            let cols = min(nr, ncCur - s * nr)
            let bSliver = bPanel + s * nr * kc
            var i = 0
            while i < rows {
                let rowsHere = min(mr, rows - i)
                let aSliver = aBlock + i * kc
                let cTile = c + i * n + s * nr
                if rowsHere == mr && cols == nr {
                    Self.microKernel(kc: kc, a: aSliver, b: bSliver, c: cTile, ldc: n, accumulate: accumulate)
                } else {
                    Self.microKernel(kc: kc, a: aSliver, b: bSliver, c: tile, ldc: nr, accumulate: false)
                    for r in 0..<rowsHere {
                        let dst = cTile + r * n, src = tile + r * nr
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
