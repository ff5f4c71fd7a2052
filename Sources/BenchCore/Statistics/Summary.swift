import Foundation

/// Order statistics of a sample: median, 10th/90th percentiles and a
/// distribution-free confidence interval of the median.
public struct Summary: Equatable, Sendable {
    /// Number of samples.
    public var count: Int
    /// Sample median (mean of the two middle values for even counts).
    public var median: Double
    /// 10th percentile, linear interpolation between order statistics (Hyndman–Fan type 7).
    public var p10: Double
    /// 90th percentile, same definition as ``p10``.
    public var p90: Double
    /// The median's confidence interval, or `nil` when the sample is too small (fewer than 6) for 95%.
    public var confidenceInterval: ClosedRange<Double>?
    /// The exact coverage of ``confidenceInterval`` (at least the requested level), or `nil`.
    public var coverage: Double?

    /// Summarises `samples` (any order). Precondition: `samples` is not empty.
    public init(_ samples: [Double], level: Double = 0.95) {
        precondition(!samples.isEmpty, "a summary needs at least one sample")
        let sorted = samples.sorted()
        self.init(sorted: sorted, level: level)
    }

    /// Summarises samples that are already sorted ascending.
    public init(sorted: [Double], level: Double = 0.95) {
        precondition(!sorted.isEmpty, "a summary needs at least one sample")
        count = sorted.count
        median = Self.percentile(sorted: sorted, 0.5)
        p10 = Self.percentile(sorted: sorted, 0.1)
        p90 = Self.percentile(sorted: sorted, 0.9)
        if let ranks = MedianCI.ranks(count: sorted.count, level: level) {
            confidenceInterval = sorted[ranks.lower - 1]...sorted[ranks.upper - 1]
            coverage = ranks.coverage
        } else {
            confidenceInterval = nil
            coverage = nil
        }
    }

    /// The `p`-quantile (0…1) of sorted values, type 7: `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`, `h = (n−1)p`.
    public static func percentile(sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Largest relative distance from the median to either CI bound, or `nil` without a CI.
    public var relativeCIHalfWidth: Double? {
        guard let ci = confidenceInterval, median > 0 else { return nil }
        return max(median - ci.lowerBound, ci.upperBound - median) / median
    }
}

/// The binomial order-statistic confidence interval of a median.
///
/// For `n` samples the number below the true median is `B ~ Binomial(n, ½)`,
/// so `[x₍ⱼ₎, x₍ₙ₋ⱼ₊₁₎]` covers it with probability `1 − 2·P(B ≤ j−1)`.
/// `j` is the largest rank keeping that coverage at or above the level.
public enum MedianCI {
    /// 1-based ranks `(lower, upper)` and the exact coverage, or `nil` when even
    /// `[min, max]` (coverage `1 − 2⁻⁽ⁿ⁻¹⁾`) is below `level`.
    ///
    /// Exact for n ≤ 2000; above that the normal approximation
    /// `j = ⌊(n − z·√n)/2⌋` is used (its error in coverage is below 10⁻³ there).
    public static func ranks(count n: Int, level: Double = 0.95) -> (lower: Int, upper: Int, coverage: Double)? {
        guard n >= 1 else { return nil }
        let alphaHalf = (1 - level) / 2
        if n > 2000 {
            let z = normalQuantile(1 - alphaHalf)
            let j = max(1, Int(((Double(n) - z * Double(n).squareRoot()) / 2).rounded(.down)))
            return (j, n - j + 1, 1 - 2 * binomialHalfCDF(n: n, upTo: j - 1))
        }
        // Walk j up while P(B ≤ j−1) stays within alpha/2.
        var cdf = 0.0  // P(B ≤ j−1) for the candidate j
        var j = 0
        let logHalfN = Double(n) * log(0.5)
        var i = 0
        while i < n {
            let next = cdf + exp(logChoose(n, i) + logHalfN)  // P(B ≤ i)
            if next > alphaHalf { break }
            cdf = next
            i += 1
            j = i  // ranks 1…i excluded below: lower rank j = i… see below
        }
        // cdf = P(B ≤ j−1) with j = i; rank j is valid when j ≥ 1.
        guard j >= 1, 2 * j <= n + 1 else { return nil }
        return (j, n - j + 1, 1 - 2 * cdf)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
    }

    /// `P(B ≤ k)` for `B ~ Binomial(n, ½)`.
    static func binomialHalfCDF(n: Int, upTo k: Int) -> Double {
        guard k >= 0 else { return 0 }
        let logHalfN = Double(n) * log(0.5)
        var sum = 0.0
        for i in 0...min(k, n) { sum += exp(logChoose(n, i) + logHalfN) }
        return min(sum, 1)
    }

    /// Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2·10⁻⁹).
    public static func normalQuantile(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
    }
}
