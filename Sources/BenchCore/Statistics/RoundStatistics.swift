/// What a row's time columns say about a measurement in rounds: order statistics of all the
/// samples pooled, and a CI of the median that also covers the round-to-round spread.
public struct RoundStatistics: Sendable, Equatable {
    /// Over all rounds' samples pooled.
    public var summary: Summary
    /// The round medians, or `nil` when a round is empty.
    public var spread: RoundSpread?
    /// The hull of the pooled samples' order-statistic interval, the rounds' t interval (two
    /// or more rounds) and the median; `nil` when neither interval exists.
    public var confidenceInterval: ClosedRange<Double>?

    /// Precondition: at least one sample.
    public init(rounds: [[Double]], level: Double = 0.95) {
        summary = Summary(rounds.flatMap { $0 }, level: level)
        spread = RoundSpread(rounds: rounds)
        confidenceInterval = summary.confidenceInterval
        if let between = spread?.interval(level: level) {
            let lo = min(between.lowerBound, confidenceInterval?.lowerBound ?? .infinity, summary.median)
            let hi = max(between.upperBound, confidenceInterval?.upperBound ?? -.infinity, summary.median)
            confidenceInterval = lo...hi
        }
    }

    /// `rounds, round medians ±x%` for a row's notes, or `nil` for one round.
    public var note: String? {
        guard let spread, spread.count > 1 else { return nil }
        return "\(spread.count) rounds, round medians ±\(fixed(spread.relativeSpread * 100, 1))%"
    }
}
