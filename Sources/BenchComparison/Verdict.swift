import BenchCore
import BenchResults

/// The outcome of comparing one row of a baseline with its candidate.
public enum Verdict: String, Sendable, Codable, CaseIterable, Comparable {
    /// Worse beyond the threshold, and the difference is real.
    case regressed
    /// A modeled figure changed (models are deterministic: any change is reported).
    case modelChanged = "model_changed"
    /// Beyond the threshold, but the evidence does not show the difference is real.
    case inconclusive
    /// Both sides were measured in rounds that vary too much from round to round to tell a
    /// change of the threshold's size (and the change seen is not beyond that spread).
    case noisy
    /// The rows cannot be compared (a status not ok, another host, a missing value).
    case notComparable = "not_comparable"
    /// Only in the baseline.
    case missing
    /// Only in the candidate.
    case new
    /// Within the threshold.
    case unchanged
    /// Better beyond the threshold, and the difference is real.
    case improved

    /// Order of severity, worst first (used to sort reports).
    public static func < (l: Verdict, r: Verdict) -> Bool {
        allCases.firstIndex(of: l)! < allCases.firstIndex(of: r)!
    }
}
