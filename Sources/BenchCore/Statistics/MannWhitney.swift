import Foundation

/// The Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples.
///
/// Two-sided. Exact p-value (by counting, ties allowed, from the distribution
/// of the rank sum under all arrangements) when `n₁·n₂ ≤ 400`; otherwise the
/// normal approximation with tie correction and continuity correction.
public enum MannWhitney {
    /// The outcome of a test.
    public struct Result: Equatable, Sendable {
        /// U of the first sample: the number of pairs (a, b) with a > b, ties counting ½.
        public var u: Double
        /// Two-sided p-value.
        public var pValue: Double
        /// Whether the p-value is exact (or from the normal approximation).
        public var isExact: Bool
    }

    /// Tests whether `a` and `b` come from the same distribution.
    /// Returns `nil` when either sample is empty.
    public static func test(_ a: [Double], _ b: [Double]) -> Result? {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return nil }
        // Midranks of the pooled sample.
        let pooled = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieGroups: [Int] = []
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let mid = Double(i + j + 2) / 2
            for k in i...j { ranks[k] = mid }
            tieGroups.append(j - i + 1)
            i = j + 1
        }
        var r1 = 0.0
        for (k, item) in pooled.enumerated() where item.1 == 0 { r1 += ranks[k] }
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let mean = Double(n1 * n2) / 2
        if n1 * n2 <= 400 {
            return Result(u: u1, pValue: exactPValue(ranks: ranks, n1: n1, observed: r1), isExact: true)
        }
        let n = Double(n1 + n2)
        let tieTerm = tieGroups.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return Result(u: u1, pValue: 1, isExact: false) }
        let z = max(0, abs(u1 - mean) - 0.5) / variance.squareRoot()
        return Result(u: u1, pValue: min(1, erfc(z / 2.0.squareRoot())), isExact: false)
    }

    /// P(|R₁ − E[R₁]| ≥ |observed − E[R₁]|) over all ways to choose n₁ of the pooled midranks.
    ///
    /// Midranks are multiples of ½, so the rank sum is counted on a grid of halves by
    /// dynamic programming over (items taken, sum); counts are kept in Double.
    static func exactPValue(ranks: [Double], n1: Int, observed: Double) -> Double {
        let halves = ranks.map { Int(($0 * 2).rounded()) }
        let maxSum = halves.sorted(by: >).prefix(n1).reduce(0, +)
        // ways[k][s]: number of subsets of size k with doubled rank sum s.
        var ways = [[Double]](repeating: [Double](repeating: 0, count: maxSum + 1), count: n1 + 1)
        ways[0][0] = 1
        for h in halves {
            for k in stride(from: min(n1, ways.count - 1), through: 1, by: -1) {
                let prev = ways[k - 1]
                var row = ways[k]
                for s in stride(from: maxSum, through: h, by: -1) where prev[s - h] != 0 { row[s] += prev[s - h] }
                ways[k] = row
            }
        }
        let total = ways[n1].reduce(0, +)
        let expected2 = Double(n1) * Double(ranks.count + 1)  // 2·E[R₁]
        let deviation = abs(observed * 2 - expected2)
        var extreme = 0.0
        for (s, w) in ways[n1].enumerated() where w != 0 && abs(Double(s) - expected2) >= deviation - 1e-9 {
            extreme += w
        }
        return min(1, extreme / total)
    }
}
