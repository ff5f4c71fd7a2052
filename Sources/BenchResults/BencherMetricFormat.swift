import BenchCore
import Foundation

/// Bencher Metric Format (BMF), the JSON that bencher.dev's `json` adapter reads
/// (https://bencher.dev/docs/reference/bencher-metric-format): benchmark name → measure slug →
/// `{value, lower_value, upper_value}`. `bench run --format bmf` and `bench compare --format
/// bmf` print it, so Bencher's own thresholds and dashboards can track bench's rows.
public enum BencherMetricFormat {
    /// One measure's metric: the value and, where the row has one, its interval.
    public struct Value: Codable, Sendable, Equatable {
        public var value: Double
        public var lowerValue: Double?
        public var upperValue: Double?

        public init(_ value: Double, lower: Double? = nil, upper: Double? = nil) {
            self.value = value
            lowerValue = lower
            upperValue = upper
        }

        enum CodingKeys: String, CodingKey {
            case value, lowerValue = "lower_value", upperValue = "upper_value"
        }
    }

    /// The benchmark name of a row: `suite/case_id/backend/threads=N`, and `@host` when
    /// `withHost` (a merged fleet file, whose rows differ by host; a single host's name is left
    /// out, since CI runners change names from run to run).
    public static func benchmarkName(_ key: RowKey, withHost: Bool = false) -> String {
        "\(key.suite)/\(key.caseID)/\(key.backend)/threads=\(key.threads)\(withHost && !key.host.isEmpty ? "@\(key.host)" : "")"
    }

    /// Whether rows of several hosts are among `keys` (then names carry the host).
    public static func severalHosts(_ keys: [RowKey]) -> Bool {
        Set(keys.map(\.host).filter { !$0.isEmpty }).count > 1
    }

    /// A metric's Bencher measure: its slug and the factor from bench's unit to the measure's
    /// (Bencher's built-in `latency` is in nanoseconds, `throughput` in operations per second).
    public static func measure(of metric: Metric) -> (slug: String, scale: Double) {
        switch metric {
        case .medianSeconds: ("latency", 1e9)
        case .estimatedCycles: ("estimated-cycles", 1)
        default: (metric.rawValue.replacingOccurrences(of: "_", with: "-"), 1)
        }
    }

    /// The measures of one row: latency (median, with its 95% CI), throughput and $ per million
    /// units (with the same interval), and for counted rows the counts. Failed rows have none.
    public static func measures(of row: ResultRow) -> [String: Value] {
        guard row.status == .ok else { return [:] }
        var out: [String: Value] = [:]
        if let m = row.medianSeconds, m > 0 {
            let (lo, hi) = (row.ciLowSeconds, row.ciHighSeconds)
            out["latency"] = Value(m * 1e9, lower: lo.map { $0 * 1e9 }, upper: hi.map { $0 * 1e9 })
            if let q = row.throughput {
                // Throughput is units ÷ time: the CI's slow end is its low end.
                out["throughput"] = Value(q, lower: hi.map { q * m / $0 }, upper: lo.map { $0 > 0 ? q * m / $0 : q })
            }
            if let c = row.usdPerMillionUnits {
                out["usd-per-million-units"] = Value(c, lower: lo.map { c * $0 / m }, upper: hi.map { c * $0 / m })
            }
        } else if let q = row.throughput {
            out["throughput"] = Value(q)
            if let c = row.usdPerMillionUnits { out["usd-per-million-units"] = Value(c) }
        }
        for metric in [Metric.instructions, .estimatedCycles, .l1Misses, .llMisses] {
            if let v = metric.value(in: row) { out[measure(of: metric).slug] = Value(v) }
        }
        return out
    }

    /// The BMF document of `rows` (rows without a measure are left out).
    public static func document(_ rows: [ResultRow]) -> [String: [String: Value]] {
        var doc: [String: [String: Value]] = [:]
        let withHost = severalHosts(rows.map(\.key))
        for row in rows {
            let m = measures(of: row)
            if !m.isEmpty { doc[benchmarkName(row.key, withHost: withHost)] = m }
        }
        return doc
    }

    /// The document as JSON text, keys sorted.
    public static func render(_ document: [String: [String: Value]]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every value is finite (the writer refuses others), so encoding cannot fail.
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
