import BenchCore
import Foundation

/// The 80% prediction intervals of modeled rows (`Sources/BenchModels/Resources/model-error.json`,
/// written by `bench validate-model --fit`; docs/models.md#intervals).
///
/// Per device class and regime: the 10th, 50th and 90th percentiles of log(1 + error) over the
/// leave-one-source-out predictions. A row's true time is modeled time × exp(that range). A cell
/// with fewer than ``minimumPoints`` predictions or ``minimumSources`` sources takes its class's
/// pooled range; a row whose (device, stack, regime) no published source covers gets its range
/// widened ×``widening`` about the median, and its notes say why.
public struct ErrorTable: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        public var deviceClass: DeviceClass
        /// `nil`: the class's pool over every regime.
        public var regime: ModelRegime?
        public var points: Int
        public var sources: Int
        /// Percentiles of log(1 + error): published time ÷ modeled time, in logs.
        public var low: Double
        public var median: Double
        public var high: Double

        enum CodingKeys: String, CodingKey {
            case deviceClass = "class", regime, points, sources, low = "log_p10", median = "log_p50", high = "log_p90"
        }
    }

    /// A (device, stack, regime) with at least one published source.
    public struct Coverage: Codable, Sendable, Equatable, Hashable {
        public var device: String
        public var stack: String
        public var regime: ModelRegime
    }

    public var schemaVersion: Int
    public var catalogVersion: String
    public var level: Double
    public var cells: [Cell]
    public var covered: [Coverage]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", catalogVersion = "catalog_version", level, cells, covered
    }

    public static let minimumPoints = 6
    public static let minimumSources = 3
    public static let widening = 1.5
    /// The residual percentiles the interval spans: the 10th and 90th, each source weighted
    /// once. Cross-validated, they hold 76% of the left-out predictions (docs/models.md#intervals).
    public static let tail = 0.1

    /// The table from leave-one-source-out predictions.
    public init(predictions: [SourceCrossValidation.Prediction], catalogVersion: String) {
        schemaVersion = 1
        self.catalogVersion = catalogVersion
        level = 0.8
        cells = Self.cells(predictions)
        var cov = Set<Coverage>()
        for p in predictions {
            cov.insert(Coverage(device: p.point.device, stack: p.point.stack ?? "", regime: p.regime))
        }
        covered = cov.sorted { ($0.device, $0.stack, $0.regime.rawValue) < ($1.device, $1.stack, $1.regime.rawValue) }
    }

    static func cells(_ predictions: [SourceCrossValidation.Prediction]) -> [Cell] {
        var out: [Cell] = []
        for cls in DeviceClass.allCases {
            let mine = predictions.filter { $0.deviceClass == cls }
            guard !mine.isEmpty else { continue }
            out.append(cell(cls, nil, mine))
            for regime in ModelRegime.allCases {
                let r = mine.filter { $0.regime == regime }
                if !r.isEmpty { out.append(cell(cls, regime, r)) }
            }
        }
        return out
    }

    /// Percentiles weighted so that every source counts once, however many points it has (its
    /// points' errors are alike: one table, one harness, one machine).
    static func cell(_ cls: DeviceClass, _ regime: ModelRegime?, _ ps: [SourceCrossValidation.Prediction]) -> Cell {
        var perSource: [String: Int] = [:]
        for p in ps { perSource[p.point.sourceId ?? "", default: 0] += 1 }
        let pairs = ps.map { (log1p($0.error), 1 / Double(perSource[$0.point.sourceId ?? ""] ?? 1)) }
        let r = { (x: Double) in (x * 1e4).rounded() / 1e4 }
        return Cell(
            deviceClass: cls, regime: regime, points: ps.count, sources: perSource.count,
            low: r(weightedQuantile(pairs, tail)), median: r(weightedQuantile(pairs, 0.5)),
            high: r(weightedQuantile(pairs, 1 - tail)))
    }

    /// The `q` quantile of weighted values: each value sits at the middle of its weight's share
    /// of the cumulative weight, linear in between, clamped at the ends.
    public static func weightedQuantile(_ pairs: [(value: Double, weight: Double)], _ q: Double) -> Double {
        let sorted = pairs.sorted { $0.value < $1.value }
        guard let first = sorted.first, let last = sorted.last else { return 0 }
        let total = sorted.reduce(0) { $0 + $1.weight }
        var positions: [Double] = []
        var run = 0.0
        for p in sorted {
            positions.append((run + p.weight / 2) / total)
            run += p.weight
        }
        if q <= positions[0] { return first.value }
        for i in 1..<sorted.count where q <= positions[i] {
            let t = (q - positions[i - 1]) / (positions[i] - positions[i - 1])
            return sorted[i - 1].value + t * (sorted[i].value - sorted[i - 1].value)
        }
        return last.value
    }

    /// The interval for a row, as factors on the modeled time, with the notes' explanation.
    public struct Interval: Sendable, Equatable {
        /// True time ÷ modeled time: the 10th and 90th percentiles.
        public var low: Double
        public var high: Double
        public var note: String
    }

    /// The interval of a row of `device` (class `cls`) running `stack` in `regime`, or `nil`
    /// when the class has no prediction at all.
    public func interval(device: String, deviceClass cls: DeviceClass, stack: String?, regime: ModelRegime)
        -> Interval?
    {
        guard let pool = cells.first(where: { $0.deviceClass == cls && $0.regime == nil }) else { return nil }
        var note: String
        var cell: Cell
        if let c = cells.first(where: { $0.deviceClass == cls && $0.regime == regime }),
            c.points >= Self.minimumPoints, c.sources >= Self.minimumSources
        {
            cell = c
            note =
                "80% interval from \(c.points) leave-one-source-out predictions (\(c.sources) sources) of \(cls.rawValue) \(regime.rawValue) points"
        } else {
            cell = pool
            note =
                "80% interval from all \(pool.points) \(cls.rawValue) leave-one-source-out predictions (too few \(regime.rawValue) points to stand alone)"
        }
        let key = Coverage(device: device, stack: stack ?? "", regime: regime)
        if !covered.contains(key) {
            cell.low = cell.median - Self.widening * (cell.median - cell.low)
            cell.high = cell.median + Self.widening * (cell.high - cell.median)
            note +=
                ", widened ×\(plainNumber(Self.widening)): no published source for \(device) with \(stack ?? "its default stack") in the \(regime.rawValue) regime"
        }
        return Interval(low: exp(cell.low), high: exp(cell.high), note: note)
    }

    /// The table shipped with bench, or `nil` when it is missing or unreadable.
    public static func shipped() -> ErrorTable? {
        guard let url = Bundle.module.url(forResource: "model-error", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(ErrorTable.self, from: data)
    }
}
