/// How long and how often a case is measured.
public struct MeasurementPolicy: Sendable, Equatable {
    /// Warm-up runs at least this many calls…
    public var warmupMinCalls: Int
    /// …and lasts at least this long, in seconds.
    public var warmupMinSeconds: Double
    /// Fewest samples taken, even past the budget.
    public var minSamples: Int
    /// Time allowed per case (warm-up included), in seconds; `minSamples` wins over it.
    public var budgetSeconds: Double
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

    public init(
        warmupMinCalls: Int = 3, warmupMinSeconds: Double = 0.3, minSamples: Int = 10,
        budgetSeconds: Double = 2, targetSampleSeconds: Double = 0.001,
        targetRelativeCIHalfWidth: Double = 0.01, confidenceLevel: Double = 0.95,
        maxSamples: Int = MeasurementPolicy.sampleCap
    ) {
        self.warmupMinCalls = warmupMinCalls
        self.warmupMinSeconds = warmupMinSeconds
        self.minSamples = minSamples
        self.budgetSeconds = budgetSeconds
        self.targetSampleSeconds = targetSampleSeconds
        self.targetRelativeCIHalfWidth = targetRelativeCIHalfWidth
        self.confidenceLevel = confidenceLevel
        self.maxSamples = maxSamples
    }

    /// The defaults of a full run: ≥ 3 warm-up calls and ≥ 0.3 s, ≥ 10 samples, 2 s per case.
    public static let standard = MeasurementPolicy()
    /// The defaults of `--quick`: ≥ 1 warm-up call, ≥ 6 samples, 0.2 s per case.
    public static let quick = MeasurementPolicy(
        warmupMinCalls: 1, warmupMinSeconds: 0, minSamples: 6, budgetSeconds: 0.2)
}
