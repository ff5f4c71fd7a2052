import BenchCore
import Foundation

/// What `bench project` writes (`--format json` or `csv`), and reads back
/// (docs/project.md#output). One row per instance type, ranked by $ per million tokens.
public struct ProjectionReport: Codable, Sendable, Equatable {
    public static let schemaVersion = 1

    public struct Row: Codable, Sendable, Equatable {
        public var rank: String
        public var instance: String
        public var device: String
        public var nodes: Int
        public var devices: Int
        public var layout: String?
        public var stepSeconds: Double?
        public var computeSeconds: Double?
        public var communicationSeconds: Double?
        public var bubbleSeconds: Double?
        public var optimizerSeconds: Double?
        public var tokensPerSecond: Double?
        public var mfu: Double?
        public var usdPerHour: Double?
        public var usdPerMillionTokens: Double?
        public var usdPerMillionTokensLow: Double?
        public var usdPerMillionTokensHigh: Double?
        public var days: Double?
        public var daysLow: Double?
        public var daysHigh: Double?
        public var usdTotal: Double?
        public var memoryNeededGiB: Double?
        public var memoryCapacityGiB: Double?
        public var computeSource: String
        public var notes: String

        enum CodingKeys: String, CodingKey {
            case rank, instance, device, nodes, devices, layout, stepSeconds = "step_s", computeSeconds = "compute_s"
            case communicationSeconds = "communication_s", bubbleSeconds = "bubble_s", optimizerSeconds = "optimizer_s"
            case tokensPerSecond = "tokens_per_s", mfu, usdPerHour = "usd_per_hour"
            case usdPerMillionTokens = "usd_per_mtok", usdPerMillionTokensLow = "usd_per_mtok_low"
            case usdPerMillionTokensHigh = "usd_per_mtok_high", days, daysLow = "days_low", daysHigh = "days_high"
            case usdTotal = "usd_total", memoryNeededGiB = "memory_needed_gib", memoryCapacityGiB =
                "memory_capacity_gib"
            case computeSource = "compute_source", notes
        }

        /// The CSV columns, in order.
        public static let columns = [
            "rank", "instance", "device", "nodes", "devices", "layout", "step_s", "compute_s", "communication_s",
            "bubble_s", "optimizer_s", "tokens_per_s", "mfu", "usd_per_hour", "usd_per_mtok", "usd_per_mtok_low",
            "usd_per_mtok_high", "days", "days_low", "days_high", "usd_total", "memory_needed_gib",
            "memory_capacity_gib", "compute_source", "notes",
        ]
    }

    public var schemaVersion: Int
    public var catalogVersion: String
    public var model: ModelConfig
    public var tokens: Double
    public var sequence: Int
    public var globalBatchSequences: Int
    public var dtype: String
    public var assumptions: [String]
    public var rows: [Row]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", catalogVersion = "catalog_version", model, tokens, sequence
        case globalBatchSequences = "global_batch_sequences", dtype, assumptions, rows
    }

    public init(request r: JobRequest, projections: [InstanceProjection], catalogVersion: String, assumptions: [String])
    {
        schemaVersion = Self.schemaVersion
        self.catalogVersion = catalogVersion
        (model, tokens, sequence, globalBatchSequences) = (r.model, r.tokens, r.sequence, r.globalSequences)
        dtype = r.dtype.rawValue
        self.assumptions = assumptions
        rows = projections.map(Self.row)
    }

    static func row(_ p: InstanceProjection) -> Row {
        let gib = 1_073_741_824.0
        var notes: [String] = []
        if let reason = p.reason { notes.append(reason) }
        if let n = p.priceNote { notes.append("price: \(n)") }
        notes += p.notes
        if p.tied, let r = p.rank { notes.append("tied with rank \(r): the cost intervals overlap") }
        func scaled(_ v: Double?, _ f: Double?) -> Double? {
            guard let v, let f else { return nil }
            return v * f
        }
        let (low, high) = (p.interval?.low, p.interval?.high)
        let rank: String = p.rank.map { "\($0)\(p.tied ? "=" : "")" } ?? "-"
        var row = Row(
            rank: rank, instance: p.instance, device: p.device, nodes: p.nodes, devices: p.devices,
            layout: p.layout?.description, stepSeconds: p.step?.seconds, computeSeconds: p.step?.compute,
            communicationSeconds: p.step?.communication, bubbleSeconds: p.step?.bubble,
            optimizerSeconds: p.step?.optimizer, tokensPerSecond: p.tokensPerSecond, mfu: p.mfu,
            usdPerHour: p.usdPerHour, usdPerMillionTokens: p.usdPerMillionTokens, usdPerMillionTokensLow: nil,
            usdPerMillionTokensHigh: nil, days: p.days, daysLow: nil, daysHigh: nil, usdTotal: p.usdTotal,
            memoryNeededGiB: nil, memoryCapacityGiB: nil, computeSource: p.computeSource,
            notes: notes.joined(separator: "; "))
        row.usdPerMillionTokensLow = scaled(p.usdPerMillionTokens, low)
        row.usdPerMillionTokensHigh = scaled(p.usdPerMillionTokens, high)
        row.daysLow = scaled(p.days, low)
        row.daysHigh = scaled(p.days, high)
        row.memoryNeededGiB = p.step.map { $0.memory.total / gib }
        row.memoryCapacityGiB = p.memoryCapacity.map { $0 / gib }
        return row
    }

    /// Reads a report written with `--format json`.
    public static func read(json data: Data) throws(ProjectionError) -> ProjectionReport {
        let report: ProjectionReport
        do { report = try JSONDecoder().decode(ProjectionReport.self, from: data) } catch {
            throw .badInput("not a bench project report: \(error)")
        }
        guard report.schemaVersion == schemaVersion else {
            throw .badInput(
                "bench project report schema_version \(report.schemaVersion) (this build reads \(schemaVersion))")
        }
        return report
    }
}
