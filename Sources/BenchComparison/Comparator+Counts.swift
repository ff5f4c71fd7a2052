import BenchCore
import BenchResults

extension Comparator {
    /// A counted pair: counts repeat exactly for the same binary, input and cache model, so a
    /// change beyond the threshold is `regressed` or `improved` as it stands, and there is no
    /// `noisy` or `inconclusive` verdict. Counts taken under another valgrind, cache model,
    /// kernel ISA or OpenBLAS core are `not_comparable`.
    static func countedVerdict(_ r: RowComparison, hostDifference: String?) -> RowComparison {
        var r = r
        if let d = hostDifference {
            r.verdict = .notComparable
            r.reason = "counted differently: \(d)"
            return r
        }
        guard let slowdown = r.slowdown else {
            r.verdict = .notComparable
            r.reason = "no \(r.baseline == nil ? "baseline" : "candidate") count (a row that was not counted)"
            return r
        }
        r.evidence = "exact (counted)"
        if slowdown > 1 + r.threshold {
            r.verdict = .regressed
        } else if slowdown < 1 / (1 + r.threshold) {
            r.verdict = .improved
        } else {
            r.verdict = .unchanged
        }
        return r
    }
}
