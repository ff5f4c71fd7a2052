/// A result column `bench compare` can compare, with its direction.
///
/// An open set (later schema versions add metrics), so a struct with static members.
public struct Metric: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    /// Whether larger values are better (throughput) or worse (time, cost).
    public var higherIsBetter: Bool

    public init?(rawValue: String) {
        guard let m = Metric.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = m
    }

    init(_ name: String, higherIsBetter: Bool) {
        rawValue = name
        self.higherIsBetter = higherIsBetter
    }

    /// Median seconds per call; lower is better.
    public static let medianSeconds = Metric("median_s", higherIsBetter: false)
    /// Achieved TFLOP/s; higher is better.
    public static let tflops = Metric("tflops", higherIsBetter: true)
    /// Units per second (calls/s, tokens/s); higher is better.
    public static let throughput = Metric("throughput", higherIsBetter: true)
    /// USD per 10¹⁵ FLOPs; lower is better.
    public static let usdPerPFLOP = Metric("usd_per_pflop", higherIsBetter: false)
    /// USD per million units of work; lower is better.
    public static let usdPerMillionUnits = Metric("usd_per_million_units", higherIsBetter: false)

    /// Every metric, in display order.
    public static let all: [Metric] = [.medianSeconds, .tflops, .throughput, .usdPerPFLOP, .usdPerMillionUnits]

    /// The metric's value in a row, or `nil` when the row has none.
    public func value(in row: ResultRow) -> Double? {
        switch rawValue {
        case "median_s": row.medianSeconds
        case "tflops": row.tflops
        case "throughput": row.throughput
        case "usd_per_pflop": row.usdPerPFLOP
        case "usd_per_million_units": row.usdPerMillionUnits
        default: nil
        }
    }

    public var description: String { rawValue }
}
