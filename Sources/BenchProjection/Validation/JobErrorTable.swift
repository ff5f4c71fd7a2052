import BenchModels
import Foundation

/// The intervals of `bench project` (`Resources/job-error.json`, docs/project.md#intervals):
/// per device class, the 10th and 90th percentiles of log(1 + error) over the job points'
/// leave-one-source-out predictions, each source weighted once; a class with fewer than 6
/// points or 3 sources takes the pool of every class.
public struct JobErrorTable: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        /// `nil`: every class pooled.
        public var deviceClass: DeviceClass?
        public var points: Int
        public var sources: Int
        public var low: Double
        public var median: Double
        public var high: Double

        enum CodingKeys: String, CodingKey {
            case deviceClass = "class", points, sources, low = "log_p10", median = "log_p50", high = "log_p90"
        }
    }

    public var schemaVersion: Int
    public var catalogVersion: String
    public var cells: [Cell]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", catalogVersion = "catalog_version", cells
    }

    public init(results: [JobValidation.Result], catalogVersion: String) {
        schemaVersion = 1
        self.catalogVersion = catalogVersion
        let usable = results.filter { $0.looError != nil }
        var cells = [Self.cell(nil, usable)]
        for cls in DeviceClass.allCases {
            let mine = usable.filter { $0.deviceClass == cls }
            if !mine.isEmpty { cells.append(Self.cell(cls, mine)) }
        }
        self.cells = cells
    }

    static func cell(_ cls: DeviceClass?, _ rs: [JobValidation.Result]) -> Cell {
        var perSource: [String: Int] = [:]
        for r in rs { perSource[r.point.sourceId, default: 0] += 1 }
        let pairs = rs.map { (log1p($0.looError ?? 0), 1 / Double(perSource[$0.point.sourceId] ?? 1)) }
        let r = { (x: Double) in (x * 1e4).rounded() / 1e4 }
        return Cell(
            deviceClass: cls, points: rs.count, sources: perSource.count,
            low: r(ErrorTable.weightedQuantile(pairs, ErrorTable.tail)),
            median: r(ErrorTable.weightedQuantile(pairs, 0.5)),
            high: r(ErrorTable.weightedQuantile(pairs, 1 - ErrorTable.tail)))
    }

    /// Projected tokens/s ÷ true tokens/s − 1 at the 10th and 90th percentiles, so true time ∈
    /// modeled time × [1 + low, 1 + high]; `nil` without any cell.
    public func interval(deviceClass cls: DeviceClass) -> (low: Double, high: Double)? {
        let own = cells.first {
            $0.deviceClass == cls && $0.points >= ErrorTable.minimumPoints && $0.sources >= ErrorTable.minimumSources
        }
        guard let c = own ?? cells.first(where: { $0.deviceClass == nil }) else { return nil }
        return (exp(c.low) - 1, exp(c.high) - 1)
    }

    /// The table shipped with bench, or `nil` when it is missing or unreadable.
    public static func shipped() -> JobErrorTable? {
        guard let url = Bundle.module.url(forResource: "job-error", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(JobErrorTable.self, from: data)
    }
}
