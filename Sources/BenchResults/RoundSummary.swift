import BenchCore

/// The median of one metric over several result files — rounds of the same runs, as the
/// `scripts/perf-*` measurements interleave them — per (case, backend, threads), and ratios
/// between backends per (case, threads). What `bench summarize` prints.
///
/// Only `ok` rows with a value of the metric count. Medians follow ``Summary/median`` (the mean
/// of the two middle values for an even count); a ratio `A/B` is `median(A) / median(B)` of the
/// metric as written (for `median_s` a time ratio, for `throughput` a speed ratio).
public struct RoundSummary: Sendable, Equatable {
    /// One (case, threads): each backend's median over the rounds and the requested ratios.
    public struct Line: Sendable, Equatable {
        public var caseID: String
        public var threads: Int
        /// Median of the metric per backend id; absent where no round has an `ok` value.
        public var medians: [String: Double]
        /// How many values (`ok` rows) each median is over.
        public var rounds: [String: Int]
        /// How many rows each backend has for this case and threads in the files, whatever their status.
        public var rows: [String: Int]
        /// One per requested ratio, in order; `nil` where either side has no median or the
        /// denominator is 0.
        public var ratios: [Double?]
    }

    /// The metric summarised.
    public var metric: Metric
    /// Number of files (rounds) read.
    public var files: Int
    /// Backend ids in the order they first appear in the files.
    public var backends: [String]
    public var ratios: [BackendRatio]
    /// One per (case, threads), in the order they first appear.
    public var lines: [Line]

    /// Summarises `sets` (one per round).
    ///
    /// - Throws: ``RoundSummaryError`` when there are no files, or a ratio names a backend
    ///   that no file has.
    public init(_ sets: [ResultSet], metric: Metric, ratios: [BackendRatio] = []) throws(RoundSummaryError) {
        guard !sets.isEmpty else { throw .noFiles }
        var order: [Key] = [], backends: [String] = [], values: [Key: [String: [Double]]] = [:],
            rows: [Key: [String: Int]] = [:]
        for row in sets.flatMap(\.rows) {
            let backend = row.backend.rawValue
            if !backends.contains(backend) { backends.append(backend) }
            let key = Key(caseID: row.caseID, threads: row.threads)
            if values[key] == nil {
                order.append(key)
                values[key] = [:]
            }
            rows[key, default: [:]][backend, default: 0] += 1
            guard row.status == .ok, let v = metric.value(in: row) else { continue }
            values[key, default: [:]][backend, default: []].append(v)
        }
        for ratio in ratios {
            for id in [ratio.numerator, ratio.denominator] where !backends.contains(id) {
                throw .unknownBackend(id, ratio: ratio, known: backends)
            }
        }
        self.metric = metric
        self.files = sets.count
        self.backends = backends
        self.ratios = ratios
        lines = order.map { key in
            let byBackend = values[key] ?? [:]
            let medians = byBackend.compactMapValues { $0.isEmpty ? nil : Summary($0).median }
            return Line(
                caseID: key.caseID, threads: key.threads, medians: medians, rounds: byBackend.mapValues(\.count),
                rows: rows[key] ?? [:],
                ratios: ratios.map { r in
                    guard let a = medians[r.numerator], let b = medians[r.denominator], b != 0 else { return nil }
                    return a / b
                })
        }
    }

    struct Key: Hashable {
        var caseID: String
        var threads: Int
    }

    /// The metrics a summary can take: every ``Metric`` plus per-row measurements that are no
    /// comparison metric, such as a plugin's protocol overhead.
    public static let metrics: [Metric] = Metric.all + [.pluginOverheadSeconds]
}

extension Metric {
    /// A plugin row's protocol overhead, seconds per sample outside the timed samples; lower is better.
    public static let pluginOverheadSeconds = Metric(
        "plugin_overhead_s", higherIsBetter: false, \.pluginOverheadSeconds)
}

/// `A/B`: the median of backend `A` divided by that of backend `B`, per case.
public struct BackendRatio: Sendable, Equatable, CustomStringConvertible {
    public var numerator: String
    public var denominator: String

    public init(_ numerator: String, _ denominator: String) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses `A/B` (two non-empty backend ids), or `nil`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        self.init(String(parts[0]), String(parts[1]))
    }

    public var description: String { "\(numerator)/\(denominator)" }
}

/// Why result files cannot be summarised.
public enum RoundSummaryError: Error, Equatable, Sendable, CustomStringConvertible {
    case noFiles
    /// A ratio names a backend no file has.
    case unknownBackend(String, ratio: BackendRatio, known: [String])

    public var description: String {
        switch self {
        case .noFiles: "no result files to summarise"
        case .unknownBackend(let id, let ratio, let known):
            "--ratio \(ratio): no row has backend '\(id)' (backends in the files: \(known.joined(separator: ", ")))"
        }
    }
}
