import BenchCore

/// A result column `bench compare` can compare, with its direction.
///
/// An open set (later schema versions add metrics), so a struct with static members.
public struct Metric: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    /// Whether larger values are better (throughput) or worse (time, cost).
    public var higherIsBetter: Bool
    /// The typed row field the metric reads (its column in ``ResultSchema``).
    let field: KeyPath<ResultRow, Double?> & Sendable

    public init?(rawValue: String) {
        guard let m = Metric.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = m
    }

    init(_ name: String, higherIsBetter: Bool, _ field: KeyPath<ResultRow, Double?> & Sendable) {
        rawValue = name
        self.higherIsBetter = higherIsBetter
        self.field = field
    }

    public static func == (l: Metric, r: Metric) -> Bool { l.rawValue == r.rawValue }
    public func hash(into h: inout Hasher) { h.combine(rawValue) }

    /// Median seconds per call; lower is better.
    public static let medianSeconds = Metric("median_s", higherIsBetter: false, \.medianSeconds)
    /// Achieved TFLOP/s; higher is better.
    public static let tflops = Metric("tflops", higherIsBetter: true, \.tflops)
    /// Units per second (calls/s, tokens/s); higher is better.
    public static let throughput = Metric("throughput", higherIsBetter: true, \.throughput)
    /// USD per 10¹⁵ FLOPs; lower is better.
    public static let usdPerPFLOP = Metric("usd_per_pflop", higherIsBetter: false, \.usdPerPFLOP)
    /// USD per million units of work; lower is better.
    public static let usdPerMillionUnits = Metric("usd_per_million_units", higherIsBetter: false, \.usdPerMillionUnits)

    /// Model FLOPs utilisation (fraction of the device's peak); higher is better.
    public static let mfu = Metric("mfu", higherIsBetter: true, \.mfu)
    /// Units per second per USD per hour; higher is better.
    public static let perfPerDollar = Metric("perf_per_dollar", higherIsBetter: true, \.perfPerDollar)

    /// Instructions per call (counts mode); lower is better.
    public static let instructions = Metric("instructions", higherIsBetter: false, \.instructions)
    /// Estimated cycles per call from the counts (counts mode); lower is better.
    public static let estimatedCycles = Metric("est_cycles", higherIsBetter: false, \.estimatedCycles)
    /// First-level cache misses per call (counts mode); lower is better.
    public static let l1Misses = Metric("l1_misses", higherIsBetter: false, \.l1Misses)
    /// Last-level cache misses per call (counts mode); lower is better.
    public static let llMisses = Metric("ll_misses", higherIsBetter: false, \.llMisses)

    /// Every metric, in display order.
    public static let all: [Metric] = [
        .medianSeconds, .tflops, .throughput, .usdPerPFLOP, .usdPerMillionUnits, .mfu, .perfPerDollar,
        .instructions, .estimatedCycles, .l1Misses, .llMisses,
    ]

    /// Whether the metric is a count (deterministic: compared exactly, never `noisy`).
    public var isCount: Bool { [Metric.instructions, .estimatedCycles, .l1Misses, .llMisses].contains(self) }

    /// The metric's value in a row, or `nil` when the row has none.
    public func value(in row: ResultRow) -> Double? { row[keyPath: field] }

    public var description: String { rawValue }
}
