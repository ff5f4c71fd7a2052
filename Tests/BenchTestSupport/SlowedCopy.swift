import BenchCore
import BenchResults
import Foundation

/// A copy of a result file (CSV and sidecar) whose measured rows are `factor` times slower:
/// every raw sample and time column × `factor`, and every speed and cost column following the
/// new median (``ResultRow/rescaleSpeedAndCost(fromMedian:)``); modeled rows are left alone.
/// Read with bench's reader and written with its writer, so the copy is a file bench itself
/// could have written (scripts/perf-compare's simulated slowdown, the report's history test).
public func writeSlowedCopy(of source: String, to destination: String, factor: Double) throws {
    let set = try ResultSet(path: source)
    guard let sidecar = set.sidecar else { throw SlowedCopyError(message: "\(source) has no sidecar") }
    let samples = Dictionary(set.sidecarRows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    let writer = try ResultWriter(destination: URL(fileURLWithPath: destination), syncsEachRow: false)
    for var row in set.rows {
        guard var raw = samples[row.key] else { throw SlowedCopyError(message: "\(row.key) has no sidecar row") }
        if row.backendKind == .measured {
            let old = row.medianSeconds
            row.medianSeconds = row.medianSeconds.map { $0 * factor }
            row.p10Seconds = row.p10Seconds.map { $0 * factor }
            row.p90Seconds = row.p90Seconds.map { $0 * factor }
            row.ciLowSeconds = row.ciLowSeconds.map { $0 * factor }
            row.ciHighSeconds = row.ciHighSeconds.map { $0 * factor }
            if let old { row.rescaleSpeedAndCost(fromMedian: old) }
            raw.samplesSeconds = raw.samplesSeconds.map { $0 * factor }
        }
        try writer.append(row, samples: raw)
    }
    _ = try writer.finish { rows in
        var copy = sidecar
        copy.csvFile = URL(fileURLWithPath: destination).lastPathComponent
        copy.rows = rows
        return copy
    }
}

/// Why a slowed copy could not be made.
public struct SlowedCopyError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
