import Foundation

/// `bench compare --format json`'s document (format_version 1).
struct JSONReport: Encodable {
    struct Row: Encodable {
        var suite, caseID, backend: String
        var baselineBackend: String?
        var threads: Int
        var baseline, candidate, relativeChange, threshold: Double?
        var verdict, evidence, reason: String

        enum CodingKeys: String, CodingKey {
            case suite, caseID = "case_id", backend, baselineBackend = "baseline_backend", threads, baseline
            case candidate, relativeChange = "relative_change", threshold, verdict, evidence, reason
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(suite, forKey: .suite)
            try c.encode(caseID, forKey: .caseID)
            try c.encode(backend, forKey: .backend)
            try c.encode(baselineBackend, forKey: .baselineBackend)
            try c.encode(threads, forKey: .threads)
            try c.encode(finite(baseline), forKey: .baseline)
            try c.encode(finite(candidate), forKey: .candidate)
            try c.encode(finite(relativeChange), forKey: .relativeChange)
            try c.encode(finite(threshold), forKey: .threshold)
            try c.encode(verdict, forKey: .verdict)
            try c.encode(evidence, forKey: .evidence)
            try c.encode(reason, forKey: .reason)
        }
    }

    struct Summary: Encodable {
        var backend: String
        var counts: [String: Int]
        var geometricMeanRatio: Double?

        enum CodingKeys: String, CodingKey { case backend, counts, geometricMeanRatio = "geometric_mean_ratio" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(backend, forKey: .backend)
            try c.encode(counts, forKey: .counts)
            try c.encode(finite(geometricMeanRatio), forKey: .geometricMeanRatio)
        }
    }

    var formatVersion: Int
    var metric: String
    var higherIsBetter: Bool
    var baseline, candidate: String
    var notes: [String]
    var regressions: Int
    var rows: [Row]
    var summaries: [Summary]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", metric, higherIsBetter = "higher_is_better", baseline, candidate
        case notes, regressions, rows, summaries
    }
}

/// `nil` for a number JSON cannot hold (encoded as null).
private func finite(_ v: Double?) -> Double? { v.flatMap { $0.isFinite ? $0 : nil } }
