/// How long and how often a case is measured.
///
/// A measured case runs in ``rounds`` rounds, interleaved across the suite (every case once,
/// then every case again), each with its own preparation and warm-up: see ``perRound``.
public struct MeasurementPolicy: Sendable, Equatable {
    /// Warm-up runs at least this many calls in all (split over the rounds, at least one each)…
    public var warmupMinCalls: Int
    /// …and lasts at least this long in all, in seconds (split evenly over the rounds).
    public var warmupMinSeconds: Double
    /// Fewest samples taken in all rounds together, even past the budget (split over the
    /// rounds, at least two each).
    public var minSamples: Int
    /// Time allowed per case in all rounds together (warm-up included), in seconds;
    /// `minSamples` wins over it.
    public var budgetSeconds: Double
    /// Rounds per measured case (at least 1).
    public var rounds: Int
    /// Each sample batches enough calls to last about this long, in seconds.
    public var targetSampleSeconds: Double
    /// Stop once the median's CI lies within ± this fraction of the median.
    public var targetRelativeCIHalfWidth: Double
    /// Confidence level of the median's interval.
    public var confidenceLevel: Double
    /// Hard cap on samples per case, bounding memory.
    public var maxSamples: Int
    /// The default ``maxSamples``; `--min-samples` may not exceed it.
    public static let sampleCap = 100_000
    /// The precision stop is allowed only after this fraction of the budget, so that samples
    /// span enough time to catch slow changes of machine state (frequency, thread placement):
    /// stopping at the first narrow CI made back-to-back runs of tiny kernels disagree.
    public var minimumBudgetFraction: Double = 0.5

    /// The most rounds `--rounds` accepts.
    public static let roundCap = 1000

    public init(
        warmupMinCalls: Int = 3, warmupMinSeconds: Double = 0.3, minSamples: Int = 10,
        budgetSeconds: Double = 2, targetSampleSeconds: Double = 0.001,
        targetRelativeCIHalfWidth: Double = 0.01, confidenceLevel: Double = 0.95,
        maxSamples: Int = MeasurementPolicy.sampleCap, rounds: Int = 1
    ) {
        self.rounds = rounds
        self.warmupMinCalls = warmupMinCalls
        self.warmupMinSeconds = warmupMinSeconds
        self.minSamples = minSamples
        self.budgetSeconds = budgetSeconds
        self.targetSampleSeconds = targetSampleSeconds
        self.targetRelativeCIHalfWidth = targetRelativeCIHalfWidth
        self.confidenceLevel = confidenceLevel
        self.maxSamples = maxSamples
    }

    /// What one round runs under: the budget, the warm-up and the minimum samples divided by
    /// ``rounds`` (rounded up; at least one warm-up call and two samples a round, so a slow
    /// case costs about what one pass did); precision as it is; the cap divided too, so a row
    /// stays under it.
    public var perRound: MeasurementPolicy {
        let n = max(1, rounds)
        func share(_ x: Int, atLeast floor: Int) -> Int { max(floor, (x + n - 1) / n) }
        var p = self
        p.rounds = 1
        p.budgetSeconds = budgetSeconds / Double(n)
        p.warmupMinSeconds = warmupMinSeconds / Double(n)
        p.warmupMinCalls = share(warmupMinCalls, atLeast: 1)
        p.minSamples = n == 1 ? minSamples : share(minSamples, atLeast: 2)
        p.maxSamples = max(p.minSamples, maxSamples / n)
        return p
    }

    /// The defaults of a full run: 5 rounds; ≥ 3 warm-up calls (≥ 1 a round), 0.3 s of
    /// warm-up, ≥ 10 samples (≥ 2 a round) and 2 s per case in all.
    public static let standard = MeasurementPolicy(rounds: 5)
    /// The defaults of `--quick`: 3 rounds; ≥ 1 warm-up call a round, ≥ 6 samples (2 a round)
    /// and 0.2 s per case in all.
    public static let quick = MeasurementPolicy(
        warmupMinCalls: 1, warmupMinSeconds: 0, minSamples: 6, budgetSeconds: 0.2, rounds: 3)
    /// The defaults of `--preset ci` (sized for regression gates): 10 rounds; ≥ 2 warm-up calls
    /// a round (20 in all), 0.05 s of warm-up, ≥ 60 samples (6 a round) and 1 s per case in all.
    public static let ci = MeasurementPolicy(
        warmupMinCalls: 20, warmupMinSeconds: 0.05, minSamples: 60, budgetSeconds: 1, rounds: 10)
}
