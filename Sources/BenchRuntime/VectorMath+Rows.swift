/// Softmax's row passes in fp32, compiled here, out of line: inlined into the generic training
/// code, LLVM split their 16-lane vectors into eight 2-lane pieces (measured on the AVX-512
/// build: `exp` ran as 64 `xmm` FMAs per 16 values; 19% of flash attention's time).
extension VectorMath {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// The largest of `r[0..<count]` (`count` ≥ 1): four 16-lane running maxima (a scalar
    /// `max` chain is latency-bound and does not vectorise), then single vectors, then the tail
    /// copied into a vector padded with the running maxima.
    public static func rowMaximum(_ r: UnsafePointer<Float>, count: Int) -> Float {
        if count < 16 {
            var mx = r[0]
            for j in 1..<max(count, 1) { mx = r[j] > mx ? r[j] : mx }
            return mx
        }
        var m0 = load(r), m1 = m0, m2 = m0, m3 = m0
        var j = 0
        while j + 64 <= count {
            m0 = maximum(m0, load(r + j))
            m1 = maximum(m1, load(r + j + 16))
            m2 = maximum(m2, load(r + j + 32))
            m3 = maximum(m3, load(r + j + 48))
            j += 64
        }
        while j + 16 <= count {
            m0 = maximum(m0, load(r + j))
            j += 16
        }
        if j < count {
            var tail = m0
            for i in 0..<count - j { tail[i] = r[j + i] }
            m0 = maximum(m0, tail)
        }
        return largestLane(maximum(maximum(m0, m1), maximum(m2, m3)))
    }

    /// In place `r[j] = exp(r[j] − m)` for `j < count`; returns Σ r[j] (in Double), 16 lanes at
    /// a time with ``exp(_:)``, the tail included.
    public static func exponentiateRow(_ r: UnsafeMutablePointer<Float>, count: Int, shift m: Float) -> Double {
        var j = 0
        var sum = 0.0
        while j + 16 <= count {
            // Fold into Double every 1024 lanes to keep the fp32 partial sums short. (An outer
            // loop, not a test in the inner one: that test made LLVM split the vectors too.)
            let stop = min(count, j + 1024)
            var acc = SIMD16<Float>()
            while j + 16 <= stop {
                let e = exp(load(r + j) - m)
                UnsafeMutableRawPointer(r + j).storeBytes(of: e, as: SIMD16<Float>.self)
                acc += e
                j += 16
            }
            sum += Double(laneSum(acc))
        }
        let rest = count - j
        if rest > 0 {
            // The last count mod 16 values as one vector (short causal rows are mostly tail),
            // padded with −∞: exp clamps it to e^−87.3 ≈ 1e−38 per padding lane, negligible
            // beside a row's total (at least 1 where the shift is the row's maximum; flash
            // attention's tiles add theirs into such a total). Built lane by lane: a byte copy
            // into the vector also split the loop above into 2-lane pieces.
            var tail = SIMD16<Float>(repeating: -.infinity)
            for i in 0..<rest { tail[i] = r[j + i] }
            let e = exp(tail - m)
            for i in 0..<rest { r[j + i] = e[i] }
            sum += Double(laneSum(e))
        }
        return sum
    }
}
