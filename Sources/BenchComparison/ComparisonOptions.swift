import BenchCore
import BenchResults
import Foundation

/// How `bench compare` decides verdicts.
public struct ComparisonOptions: Sendable {
    public var metric: Metric = .medianSeconds
    /// Whether ``metric`` and ``threshold`` were chosen (else two counted files are compared on
    /// ``countsMetric`` at ``countsThreshold``).
    public var metricChosen = false
    public var thresholdChosen = false
    /// The metric and threshold of counted files when none is chosen: counts repeat exactly,
    /// so 1% is a real change.
    public static let countsMetric = Metric.estimatedCycles
    public static let countsThreshold = 0.01
    /// Relative threshold (0.05 = 5%), before the per-row raise for noisy rows.
    public var threshold: Double = 0.05
    /// Per-case, per-metric threshold overrides; the first matching one wins.
    public var overrides: [ThresholdOverride] = []
    /// Significance level of the Mann–Whitney U test.
    public var alpha: Double = 0.01
    /// Compare measured rows from different hosts or BLAS core types.
    public var allowCrossHost = false
    /// Compare backend `baseline` rows with backend `candidate` rows instead of like with like.
    public var backendPair: (baseline: BackendID, candidate: BackendID)?
    /// Compare the measured rows of host `baseline` with those of host `candidate` (the `host`
    /// column, e.g. two instance types of a merged fleet run) instead of like with like.
    public var hostPair: (baseline: String, candidate: String)?

    public init() {}

    /// The threshold for a case and metric: the first matching override, else ``threshold``.
    public func threshold(for caseID: String) -> Double {
        for o in overrides where o.metric == nil || o.metric == metric {
            if o.matches(caseID) { return o.threshold }
        }
        return threshold
    }

    /// Parses `5%` or `0.05` into 0.05; `nil` for anything else or a value out of
    /// ``isThreshold(_:)``'s range.
    public static func parseThreshold(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let value: Double?
        if t.hasSuffix("%") { value = Double(t.dropLast()).map { $0 / 100 } } else { value = Double(t) }
        guard let v = value, isThreshold(v) else { return nil }
        return v
    }

    /// Zero, or a normal positive fraction up to 100 (10,000%): a subnormal one divides into
    /// infinity later.
    public static func isThreshold(_ v: Double) -> Bool { v == 0 || (v.isNormal && v > 0 && v <= 100) }
}

/// One entry of a `--thresholds` file: `{case: REGEX, metric: NAME, threshold: 5%}`.
public struct ThresholdOverride: @unchecked Sendable {
    public var pattern: String
    public var metric: Metric?
    public var threshold: Double
    let casePattern: CasePattern

    /// - Throws: ``CasePattern/Failure`` for a pattern that is invalid, too long or too slow.
    public init(pattern: String, metric: Metric?, threshold: Double) throws(CasePattern.Failure) {
        self.pattern = pattern
        self.metric = metric
        self.threshold = threshold
        casePattern = try CasePattern(pattern)
    }

    /// Whether the entry applies to `caseID`. A pattern that passed its probe but still runs
    /// past the time limit on an id applies to it not (its threshold is the default).
    func matches(_ caseID: String) -> Bool {
        (try? casePattern.matches(caseID)) ?? false
    }
}
