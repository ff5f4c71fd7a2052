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
        if transposed {
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
            if transposed {
                // op(A)[i, p] = A[p, i]: for each p the sliver's rows are contiguous in memory.
                for p in 0..<cols {
                    let src = a + (col + p) * lda + row + s * mr
                    let out = base + p * mr
                    for r in 0..<valid { out[r] = alpha * src[r] }
                    for r in valid..<mr { out[r] = 0 }
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
}
