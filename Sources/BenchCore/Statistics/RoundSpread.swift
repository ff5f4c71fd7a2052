import Foundation

/// What a case's rounds say about run-to-run variation: each round's median time and their
/// spread on a log scale (times vary by factors, not by offsets).
///
/// The samples of one round share that round's state (data placement, clock, thread wake-up,
/// cache and page state), so they scatter less than separate runs do; the round medians carry
/// the variation a second run would see. See `docs/results-schema.md#rounds`.
public struct RoundSpread: Sendable, Equatable {
    /// The median of each round, in order.
    public var medians: [Double]
    /// Mean of the rounds' log medians (the log of their geometric mean).
    public var logMean: Double
    /// Sample standard deviation of the log medians (`n − 1` in the denominator); 0 for one round.
    public var logSD: Double

    public var count: Int { medians.count }

    /// `nil` when there is no round, a round has no sample, or a median is not positive and finite.
    public init?(rounds: [[Double]]) {
        guard !rounds.isEmpty, rounds.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(medians: rounds.map { Summary($0).median })
    }

    /// From the round medians themselves; `nil` when empty or one is not positive and finite.
    public init?(medians: [Double]) {
        guard !medians.isEmpty, medians.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        self.medians = medians
        let logs = medians.map { log($0) }
        let mean = logs.reduce(0, +) / Double(logs.count)
        logMean = mean
        if logs.count > 1 {
            let ss = logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
            logSD = (ss / Double(logs.count - 1)).squareRoot()
        } else {
            logSD = 0
        }
    }

    /// The fastest `k` rounds (the `k` smallest medians, ascending).
    ///
    /// Interference from other tenants of a host (a busy SMT sibling, a neighbour's memory
    /// traffic) only ever slows a round down, and on shared machines it comes and goes in
    /// stretches of a fraction of a second: some rounds run undisturbed, others 1.3–1.5× slower.
    /// The fastest half of the rounds is a robust view of the undisturbed speed (the reasoning of
    /// Chen & Revels, "Robust benchmarking in noisy environments", 2016, applied to rounds), and
    /// its spread is that of undisturbed rounds.
    public func fastest(_ k: Int) -> RoundSpread {
        RoundSpread(medians: Array(medians.sorted().prefix(max(1, min(k, count))))) ?? self
    }

    /// How many rounds ``fastest(_:)`` keeps for a robust comparison: the faster half,
    /// rounded up, and at least two when there are two.
    public var robustCount: Int { min(count, max(2, (count + 1) / 2)) }

    /// The typical relative distance of a round's median from the others' centre, `e^sd − 1`.
    public var relativeSpread: Double { exp(logSD) - 1 }

    /// The `level` t interval of the geometric-mean round median,
    /// `exp(mean ± t·sd/√n)`, or `nil` with fewer than two rounds.
    public func interval(level: Double = 0.95) -> ClosedRange<Double>? {
        guard count >= 2 else { return nil }
        let t = StudentT.quantile(1 - (1 - level) / 2, degreesOfFreedom: Double(count - 1))
        let h = t * logSD / Double(count).squareRoot()
        return exp(logMean - h)...exp(logMean + h)
    }
}

/// Welch's t test between two sides' log round medians: is the candidate's typical time
/// different from the baseline's, given how much each side varies from round to round?
public struct RoundTest: Sendable, Equatable {
    /// `mean log(candidate) − mean log(baseline)`: the log of the ratio of geometric means
    /// (positive: the candidate is slower).
    public var logRatio: Double
    /// Standard error of ``logRatio``.
    public var standardError: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// Two-sided p-value.
    public var pValue: Double
    public var baselineRounds: Int
    public var candidateRounds: Int

    /// `nil` unless both sides have at least two rounds.
    public init?(baseline a: RoundSpread, candidate b: RoundSpread) {
        guard a.count >= 2, b.count >= 2 else { return nil }
        let (na, nb) = (Double(a.count), Double(b.count))
        let (va, vb) = (a.logSD * a.logSD / na, b.logSD * b.logSD / nb)
        logRatio = b.logMean - a.logMean
        standardError = (va + vb).squareRoot()
        baselineRounds = a.count
        candidateRounds = b.count
        if va + vb > 0 {
            let den = va * va / (na - 1) + vb * vb / (nb - 1)
            degreesOfFreedom = max(1, (va + vb) * (va + vb) / den)
            pValue = StudentT.twoSidedP(logRatio / standardError, degreesOfFreedom: degreesOfFreedom)
        } else {
            // Identical rounds on each side: any difference is exact.
            degreesOfFreedom = na + nb - 2
            pValue = logRatio == 0 ? 1 : 0
        }
    }

    /// Half-width of the two-sided `1 − alpha` interval of ``logRatio``: the smallest log change
    /// the rounds can tell from run-to-run variation at that level.
    public func halfWidth(alpha: Double) -> Double {
        guard standardError > 0 else { return 0 }
        return StudentT.quantile(1 - alpha / 2, degreesOfFreedom: degreesOfFreedom) * standardError
    }
}
