import BenchCore
import BenchRuntime

/// Packing A and B into the micro-kernel's panels.
extension GEMMKernel {
    /// Packs `op(B)[row..<row+rows, col..<col+nr]` as `rows` groups of `nr`
    /// contiguous values, zero-padding columns past `n`.
    func packB(
        _ b: UnsafePointer<T>, ldb: Int, transposed: Bool, n: Int, row: Int, rows: Int, col: Int,
        into dst: UnsafeMutablePointer<T>
    ) {
        let nr = Self.nr, w = T.Vector.scalarCount
        let valid = min(nr, n - col)
        if transposed && valid == nr {
            // op(B)[p, j] = B[j, p]: 4 × 4 transposes of 4 stored rows j along 4 values of p,
            // each group of 4 rows read along p to the end (4 streams the prefetcher follows)
            // rather than all nr rows a few values at a time.
            let whole = rows / 4 * 4
            var j = 0
            while j < nr {
                let src = b + (col + j) * ldb + row
                var p = 0
                while p < whole {
                    Self.transpose4(
                        src + p, src + ldb + p, src + 2 * ldb + p, src + 3 * ldb + p, into: dst + p * nr + j, stride: nr
                    )
                    p += 4
                }
                j += 4
            }
            var p = whole
            while p < rows {
                for j in 0..<nr { dst[p * nr + j] = b[(col + j) * ldb + row + p] }
                p += 1
            }
        } else if transposed {
            // op(B)[p, j] = B[j, p]: read each stored row j along p.
            for j in 0..<nr {
                var out = dst + j
                if j < valid {
                    let src = b + (col + j) * ldb + row
                    for p in 0..<rows {
                        out.pointee = src[p]
                        out += nr
                    }
                } else {
                    for _ in 0..<rows {
                        out.pointee = 0
                        out += nr
                    }
                }
            }
        } else if valid == nr {
            for p in 0..<rows {
                let src = UnsafeRawPointer(b + (row + p) * ldb + col)
                let out = UnsafeMutableRawPointer(dst + p * nr)
                out.storeBytes(of: src.loadUnaligned(as: T.Vector.self), as: T.Vector.self)
                out.storeBytes(
                    of: src.loadUnaligned(fromByteOffset: w * MemoryLayout<T>.stride, as: T.Vector.self),
                    toByteOffset: w * MemoryLayout<T>.stride, as: T.Vector.self)
            }
        } else {
            for p in 0..<rows {
                let src = b + (row + p) * ldb + col
                let out = dst + p * nr
                for j in 0..<valid { out[j] = src[j] }
                for j in valid..<nr { out[j] = 0 }
            }
        }
    }

    /// Packs `α·op(A)[row..<row+rows, col..<col+cols]` as slivers of `mr` rows,
    /// each stored as `cols` groups of `mr` values, zero-padding rows past the block.
    func packA(
        _ a: UnsafePointer<T>, lda: Int, transposed: Bool, alpha: T, row: Int, rows: Int, col: Int, cols: Int,
        into dst: UnsafeMutablePointer<T>
    ) {
        let mr = Self.mr
        var s = 0
        while s * mr < rows {
            let base = dst + s * mr * cols
            let valid = min(mr, rows - s * mr)
            if transposed && valid == mr && (mr == 12 || mr == 6) {
                // op(A)[i, p] = A[p, i]: for each p the sliver's `mr` rows are contiguous in
                // memory, moved as two vectors (8 + 4 or 4 + 2 values) rather than value by value.
                Self.packTransposedSliver(a + col * lda + row + s * mr, lda: lda, alpha: alpha, cols: cols, into: base)
            } else if transposed {
                // op(A)[i, p] = A[p, i]: for each p the sliver's rows are contiguous in memory.
                for p in 0..<cols {
                    let src = a + (col + p) * lda + row + s * mr
                    let out = base + p * mr
                    for r in 0..<valid { out[r] = alpha * src[r] }
                    for r in valid..<mr { out[r] = 0 }
                }
            } else if valid == mr && alpha == 1 && mr == 12 {
                // The common case, 12 rows: contiguous writes, 12 read streams.
                let r0 = a + (row + s * mr) * lda + col
                let r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
                let r6 = r5 + lda, r7 = r6 + lda, r8 = r7 + lda, r9 = r8 + lda, r10 = r9 + lda, r11 = r10 + lda
                var out = base
                var p = 0
                // 4 × 4 transposes: 4 columns of 4 rows become 4 groups of 4 contiguous values.
                while p + 4 <= cols {
                    Self.transpose4(r0 + p, r1 + p, r2 + p, r3 + p, into: out)
                    Self.transpose4(r4 + p, r5 + p, r6 + p, r7 + p, into: out + 4)
                    Self.transpose4(r8 + p, r9 + p, r10 + p, r11 + p, into: out + 8)
                    out += 48
                    p += 4
                }
                while p < cols {
                    out[0] = r0[p]; out[1] = r1[p]; out[2] = r2[p]; out[3] = r3[p]
                    out[4] = r4[p]; out[5] = r5[p]; out[6] = r6[p]; out[7] = r7[p]
                    out[8] = r8[p]; out[9] = r9[p]; out[10] = r10[p]; out[11] = r11[p]
                    out += 12
                    p += 1
                }
            } else {
                for r in 0..<mr {
                    var out = base + r
                    if r < valid {
                        let src = a + (row + s * mr + r) * lda + col
                        for p in 0..<cols {
                            out.pointee = alpha * src[p]
                            out += mr
                        }
                    } else {
                        for _ in 0..<cols {
                            out.pointee = 0
                            out += mr
                        }
                    }
                }
            }
            s += 1
        }
    }

    /// Packs one whole sliver of a transposed A: `cols` groups of `mr` (12 or 6) contiguous
    /// values, group p read from `src + p·lda`, each scaled by `alpha` unless it is 1.
    @inline(__always)
    static func packTransposedSliver(
        _ src: UnsafePointer<T>, lda: Int, alpha: T, cols: Int, into dst: UnsafeMutablePointer<T>
    ) {
        if mr == 12 {
            packGroups(src, lda: lda, alpha: alpha, cols: cols, into: dst, SIMD8<T>.self, SIMD4<T>.self)
        } else {
            packGroups(src, lda: lda, alpha: alpha, cols: cols, into: dst, SIMD4<T>.self, SIMD2<T>.self)
        }
    }

    /// `cols` groups of `Wide.scalarCount + Narrow.scalarCount` (= `mr`) values.
    @inline(__always)
    static func packGroups<Wide: SIMD<T>, Narrow: SIMD<T>>(
        _ src: UnsafePointer<T>, lda: Int, alpha: T, cols: Int, into dst: UnsafeMutablePointer<T>,
        _: Wide.Type, _: Narrow.Type
    ) where T: FloatingPoint {
        let mr = Wide.scalarCount + Narrow.scalarCount, split = Wide.scalarCount * MemoryLayout<T>.stride
        for p in 0..<cols {
            let from = UnsafeRawPointer(src + p * lda), to = UnsafeMutableRawPointer(dst + p * mr)
            var wide = from.loadUnaligned(as: Wide.self)
            var narrow = from.loadUnaligned(fromByteOffset: split, as: Narrow.self)
            if alpha != 1 {
                wide *= Wide(repeating: alpha)
                narrow *= Narrow(repeating: alpha)
            }
            to.storeBytes(of: wide, as: Wide.self)
            to.storeBytes(of: narrow, toByteOffset: split, as: Narrow.self)
        }
    }

    /// Writes 4 values of 4 rows (`q0`…`q3`) as 4 groups of 4, `stride` values apart (12 in a
    /// packed A sliver, `nr` in a B sliver).
    @inline(__always)
    static func transpose4(
        _ q0: UnsafePointer<T>, _ q1: UnsafePointer<T>, _ q2: UnsafePointer<T>, _ q3: UnsafePointer<T>,
        into o: UnsafeMutablePointer<T>, stride: Int = 12
    ) {
        let v0 = UnsafeRawPointer(q0).loadUnaligned(as: SIMD4<T>.self)
        let v1 = UnsafeRawPointer(q1).loadUnaligned(as: SIMD4<T>.self)
        let v2 = UnsafeRawPointer(q2).loadUnaligned(as: SIMD4<T>.self)
        let v3 = UnsafeRawPointer(q3).loadUnaligned(as: SIMD4<T>.self)
        let raw = UnsafeMutableRawPointer(o), step = stride * MemoryLayout<T>.stride
        raw.storeBytes(of: SIMD4(v0[0], v1[0], v2[0], v3[0]), as: SIMD4<T>.self)
        raw.storeBytes(of: SIMD4(v0[1], v1[1], v2[1], v3[1]), toByteOffset: step, as: SIMD4<T>.self)
        raw.storeBytes(of: SIMD4(v0[2], v1[2], v2[2], v3[2]), toByteOffset: 2 * step, as: SIMD4<T>.self)
        raw.storeBytes(of: SIMD4(v0[3], v1[3], v2[3], v3[3]), toByteOffset: 3 * step, as: SIMD4<T>.self)
    }
}
