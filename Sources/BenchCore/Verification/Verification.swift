/// The outcome of checking a kernel's output against an fp64 reference.
public struct Verification: Sendable, Equatable, Codable {
    /// Whether every checked entry was within tolerance (and finite).
    public var passed: Bool
    /// Number of output entries checked.
    public var checkedEntries: Int
    /// Largest `|output − reference| / bound` over checked entries (≤ 1 passes).
    public var worstErrorRatio: Double
    /// Largest absolute error seen.
    public var maxAbsoluteError: Double
    /// How the tolerance is defined, for the notes column and the sidecar.
    public var tolerance: String
    /// The first failing entry, or empty.
    public var detail: String

    public init(
        passed: Bool, checkedEntries: Int, worstErrorRatio: Double, maxAbsoluteError: Double, tolerance: String,
        detail: String
    ) {
        self.passed = passed
        self.checkedEntries = checkedEntries
        self.worstErrorRatio = worstErrorRatio
        self.maxAbsoluteError = maxAbsoluteError
        self.tolerance = tolerance
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case passed, checkedEntries = "checked_entries", worstErrorRatio = "worst_error_ratio"
        case maxAbsoluteError = "max_abs_error", tolerance, detail
    }
}

/// The bookkeeping every verification shares: the worst error as a fraction of its bound, the
/// largest absolute error, and the first entry outside its bound.
public struct ErrorTally {
    public var worst = 0.0, maxAbs = 0.0, checked = 0
    public var detail = ""

    public init() {}

    public mutating func check(_ label: @autoclosure () -> String, got: Double, reference: Double, bound: Double) {
        let err = abs(got - reference)
        let ratio = got.isFinite ? err / (bound + .leastNormalMagnitude) : .infinity
        if ratio > worst {
            worst = ratio
            if ratio > 1, detail.isEmpty {
                detail = "\(label()) = \(got), reference \(reference), |error| \(err) > bound \(bound)"
            }
        }
        if got.isFinite { maxAbs = max(maxAbs, err) }
        checked += 1
    }

    public func verification(_ tolerance: String) -> Verification {
        Verification(
            passed: worst <= 1, checkedEntries: checked, worstErrorRatio: worst, maxAbsoluteError: maxAbs,
            tolerance: tolerance, detail: detail)
    }
}
