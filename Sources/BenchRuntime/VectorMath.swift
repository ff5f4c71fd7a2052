/// Vectorised `exp` and `tanh` for `SIMD16<Float>`, the element-wise hot spots of a
/// training step (GELU, softmax).
///
/// `exp(x) = 2ⁿ·p(r)`, `n = round(x·log₂e)`, `r = x − n·ln2` (ln 2 split in two parts so `r`
/// is exact), `p` the degree-6 Taylor polynomial of `eʳ` on |r| ≤ ln2/2, whose truncation
/// error is below 2⁻²⁴ there; the result is within 2 ulp of `expf` for x in [−87, 88]
/// (inputs are clamped to that range, so −∞ gives e^−87.3; NaN stays NaN). `tanh(z) =
/// 1 − 2/(1 + e²ᶻ)`: absolute error below 4·2⁻²⁴ everywhere, which is what GELU's
/// `½·u·(1 + tanh)` needs. Both bounds are checked by tests over dense grids.
public enum VectorMath {
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Written as lane loops of `x > hi ? hi : x`, which compile to one vminps/vmaxps each
        // and keep NaN; `clamped(lowerBound:upperBound:)` and vector compares (`.<`) build
        // their masks lane by lane (measured: most of the time of a softmax row went there).
        let hi = SIMD16<Float>(repeating: 88.3), lo = SIMD16<Float>(repeating: -87.3)
        var clamped = x
        for i in 0..<16 { clamped[i] = x[i] > hi[i] ? hi[i] : x[i] }
        for i in 0..<16 { clamped[i] = clamped[i] < lo[i] ? lo[i] : clamped[i] }
        // Round to nearest with the 1.5·2²³ trick: adding it leaves n in the low mantissa bits
        // (all integer work stays in vector registers; SIMD Float→Int32 conversion does not).
        let magic = SIMD16<Float>(repeating: 12_582_912)
        let t = fma(magic, clamped, SIMD16(repeating: 1.442_695_040_888_963_4))
        let n = t - magic
        var r = fma(clamped, n, SIMD16(repeating: -0.693_145_751_953_125))
        r = fma(r, n, SIMD16(repeating: -1.428_606_765_330_187_045e-6))
        var p = SIMD16<Float>(repeating: 1.0 / 720)
        p = fma(SIMD16(repeating: 1.0 / 120), p, r)
        p = fma(SIMD16(repeating: 1.0 / 24), p, r)
        p = fma(SIMD16(repeating: 1.0 / 6), p, r)
        p = fma(SIMD16(repeating: 0.5), p, r)
        p = fma(SIMD16(repeating: 1), p, r)
        p = fma(SIMD16(repeating: 1), p, r)
        let exponent = (unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000) &+ 127
        let scale = unsafeBitCast(exponent &<< 23, to: SIMD16<Float>.self)
        return p * scale
    }

    /// Lane-wise `a > b ? a : b`: one `vmaxps`. (`pointwiseMax` goes through IEEE `maximum`
    /// and vector compares through masks, both of which Swift builds lane by lane.)
    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        var r = a
        for i in 0..<16 { r[i] = a[i] > b[i] ? a[i] : b[i] }
        return r
    }

    /// The largest lane, by halving: three lane-wise maxima and one compare (the standard
    /// library's `max()` is an out-of-line loop over the lanes; it took 5% of flash attention).
    @inlinable @inline(__always)
    public static func largestLane(_ v: SIMD16<Float>) -> Float {
        var eight = v.lowHalf
        let high = v.highHalf
        for i in 0..<8 { eight[i] = eight[i] > high[i] ? eight[i] : high[i] }
        var four = eight.lowHalf
        for i in 0..<4 { four[i] = four[i] > eight.highHalf[i] ? four[i] : eight.highHalf[i] }
        let a = four[0] > four[2] ? four[0] : four[2], b = four[1] > four[3] ? four[1] : four[3]
        return a > b ? a : b
    }

    /// The sum of the lanes, by halving (pairwise: lanes `i` and `i + 8`, then `i + 4`, …).
    @inlinable @inline(__always)
    public static func laneSum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    @inlinable @inline(__always)
    public static func tanh(_ z: SIMD16<Float>) -> SIMD16<Float> {
        let e = exp(z + z)
        return 1 - 2 / (1 + e)
    }
}
