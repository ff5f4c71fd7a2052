import BenchCore
import BenchRuntime

/// The register-blocked product behind ``FlashAttention``'s tiles: `C[m×n] (+)= A·B`, where
/// `A(i, p) = a[i·rowStride + p·columnStride]` (so a tile or its transpose, read in place),
/// B is `k×n` row-major with row stride `ldb`, and C row-major with row stride `ldc`.
///
/// The tiles are small (48 or 64 rows, 64 or `dₕ` columns, `k` ≤ 64 or `dₕ`) and in L1 or L2, so nothing is packed:
/// 6 rows × 2 vectors of C stay in 12 registers while `k` runs (12 accumulators, 2 B vectors and
/// a broadcast fit AVX2's 16 registers as well as AVX-512's 32), then 6 rows × 1 vector, then a
/// scalar tail. A short last row group repeats its last row rather than branching in the `k`
/// loop, and stores only the real rows.
enum AttentionTile {
    @inline(__always)
    static func multiply<T: NativeScalar>(
        m: Int, n: Int, k: Int, a: UnsafePointer<T>, rowStride: Int, columnStride: Int,
        b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        let w = T.Vector.scalarCount
        var j = 0
        while j + 2 * w <= n {
            var i = 0
            while i < m {
                block(
                    i: i, j: j, vectors: 2, m: m, k: k, a: a, rs: rowStride, cs: columnStride, b: b, ldb: ldb,
                    c: c, ldc: ldc, accumulate: accumulate)
                i += 6
            }
            j += 2 * w
        }
        while j + w <= n {
            var i = 0
            while i < m {
                block(
                    i: i, j: j, vectors: 1, m: m, k: k, a: a, rs: rowStride, cs: columnStride, b: b, ldb: ldb,
                    c: c, ldc: ldc, accumulate: accumulate)
                i += 6
            }
            j += w
        }
        while j < n {
            for i in 0..<m {
                var sum = T.zero
                for p in 0..<k { sum += a[i * rowStride + p * columnStride] * b[p * ldb + j] }
                c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum
            }
            j += 1
        }
    }

    /// Rows `i…i+5` (the last real row repeated past `m`) × `vectors` (1 or 2) vectors at column `j`.
    @inline(__always)
    static func block<T: NativeScalar>(
        i: Int, j: Int, vectors: Int, m: Int, k: Int, a: UnsafePointer<T>, rs: Int, cs: Int,
        b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool
    ) {
        let w = T.Vector.scalarCount
        let a0 = a + i * rs, a1 = a + min(i + 1, m - 1) * rs, a2 = a + min(i + 2, m - 1) * rs
        let a3 = a + min(i + 3, m - 1) * rs, a4 = a + min(i + 4, m - 1) * rs, a5 = a + min(i + 5, m - 1) * rs
        var c00 = T.Vector(), c10 = T.Vector(), c20 = T.Vector(), c30 = T.Vector(), c40 = T.Vector()
        var c50 = T.Vector()
        var c01 = T.Vector(), c11 = T.Vector(), c21 = T.Vector(), c31 = T.Vector(), c41 = T.Vector()
        var c51 = T.Vector()
        var bp = UnsafeRawPointer(b + j)
        let bStride = ldb * MemoryLayout<T>.stride, second = w * MemoryLayout<T>.stride
        var p = 0
        if vectors == 2 {
            while p < k {
                let b0 = bp.loadUnaligned(as: T.Vector.self)
                let b1 = bp.loadUnaligned(fromByteOffset: second, as: T.Vector.self)
                let o = p * cs
                var x = T.Vector(repeating: a0[o])
                c00 = fma(c00, x, b0)
                c01 = fma(c01, x, b1)
                x = T.Vector(repeating: a1[o])
                c10 = fma(c10, x, b0)
                c11 = fma(c11, x, b1)
                x = T.Vector(repeating: a2[o])
                c20 = fma(c20, x, b0)
                c21 = fma(c21, x, b1)
                x = T.Vector(repeating: a3[o])
                c30 = fma(c30, x, b0)
                c31 = fma(c31, x, b1)
                x = T.Vector(repeating: a4[o])
                c40 = fma(c40, x, b0)
                c41 = fma(c41, x, b1)
                x = T.Vector(repeating: a5[o])
                c50 = fma(c50, x, b0)
                c51 = fma(c51, x, b1)
                bp += bStride
                p += 1
            }
        } else {
            while p < k {
                let b0 = bp.loadUnaligned(as: T.Vector.self)
                let o = p * cs
                c00 = fma(c00, T.Vector(repeating: a0[o]), b0)
                c10 = fma(c10, T.Vector(repeating: a1[o]), b0)
                c20 = fma(c20, T.Vector(repeating: a2[o]), b0)
                c30 = fma(c30, T.Vector(repeating: a3[o]), b0)
                c40 = fma(c40, T.Vector(repeating: a4[o]), b0)
                c50 = fma(c50, T.Vector(repeating: a5[o]), b0)
                bp += bStride
                p += 1
            }
        }
        let rows = min(6, m - i)
        let out = c + i * ldc + j
        store(c00, c01, out, vectors: vectors, accumulate: accumulate)
        if rows > 1 { store(c10, c11, out + ldc, vectors: vectors, accumulate: accumulate) }
        if rows > 2 { store(c20, c21, out + 2 * ldc, vectors: vectors, accumulate: accumulate) }
        if rows > 3 { store(c30, c31, out + 3 * ldc, vectors: vectors, accumulate: accumulate) }
        if rows > 4 { store(c40, c41, out + 4 * ldc, vectors: vectors, accumulate: accumulate) }
        if rows > 5 { store(c50, c51, out + 5 * ldc, vectors: vectors, accumulate: accumulate) }
    }

    @inline(__always)
    static func store<V: SIMD>(_ v0: V, _ v1: V, _ c: UnsafeMutablePointer<V.Scalar>, vectors: Int, accumulate: Bool)
    where V.Scalar: FloatingPoint {
        let raw = UnsafeMutableRawPointer(c), second = V.scalarCount * MemoryLayout<V.Scalar>.stride
        if accumulate {
            raw.storeBytes(of: raw.loadUnaligned(as: V.self) + v0, as: V.self)
            if vectors == 2 {
                raw.storeBytes(
                    of: raw.loadUnaligned(fromByteOffset: second, as: V.self) + v1, toByteOffset: second, as: V.self)
            }
        } else {
            raw.storeBytes(of: v0, as: V.self)
            if vectors == 2 { raw.storeBytes(of: v1, toByteOffset: second, as: V.self) }
        }
    }
}
