import Foundation

/// Combines result files (e.g. shards run on different machines) into one.
public enum ResultMerger {
    /// Errors merging files, naming the file and row.
    public enum Error: Swift.Error, CustomStringConvertible {
        case duplicate(key: RowKey, first: String, other: String)

        public var description: String {
            switch self {
            case .duplicate(let k, let a, let b):
                "row \(k) is in both \(a) and \(b); pass --prefer latest to keep the newer one"
            }
        }
    }

    /// Merges `sets` in order (files of any revision of the schema: rows are typed, so a
    /// column one file lacks is simply empty in its rows). A key present twice is an error
    /// unless `preferLatest`, which keeps the row with the later timestamp (the later file on a tie).
    public static func merge(_ sets: [ResultSet], preferLatest: Bool) throws(ResultMerger.Error) -> (
        rows: [ResultRow], samples: [SidecarRow], sources: [MergedSource]
    ) {
        var rows: [ResultRow] = []
        var origin: [RowKey: (index: Int, path: String)] = [:]
        var samples: [RowKey: SidecarRow] = [:]
        for set in sets {
            let sidecarRows = Dictionary(
                (set.sidecar?.rows ?? []).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            for row in set.rows {
                if let existing = origin[row.key] {
                    guard preferLatest else { throw .duplicate(key: row.key, first: existing.path, other: set.path) }
                    if row.timestamp >= rows[existing.index].timestamp {
                        rows[existing.index] = row
                        origin[row.key] = (existing.index, set.path)
                        samples[row.key] = sidecarRows[row.key]
                    }
                    continue
                }
                origin[row.key] = (rows.count, set.path)
                rows.append(row)
                samples[row.key] = sidecarRows[row.key]
            }
        }
        // Every run a source's rows come from (a merged source holds several), so the merged
        // sidecar accounts for every row's run_id.
        let sources = sets.map { set in
            let runs = Set(set.rows.map(\.runID)).union(set.sidecar.map { [$0.runID] } ?? [])
            return MergedSource(
                csvFile: set.path, runID: runs.sorted().joined(separator: ","), environment: set.sidecar?.environment)
        }
        return (rows, rows.compactMap { samples[$0.key] }, sources)
    }
}

extension ResultMerger {
    /// Merges `sets` and writes the result to `destination` with a sidecar that records the
    /// sources (the environment is the first file's). Returns the number of rows written.
    @discardableResult
    public static func write(_ sets: [ResultSet], to destination: URL, preferLatest: Bool) throws -> Int {
        let merged = try merge(sets, preferLatest: preferLatest)
        let writer = try ResultWriter(destination: destination, syncsEachRow: false)
        let samples = Dictionary(merged.samples.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for row in merged.rows {
            try writer.append(row, samples: samples[row.key] ?? SidecarRow(key: row.key, status: row.status))
        }
        let environment = sets.first?.sidecar?.environment ?? HostEnvironment.unknown
        try writer.finish { rows in
            var s = Sidecar(
                runID: UUID().uuidString.lowercased(), csvFile: destination.lastPathComponent,
                suite: Set(merged.rows.map(\.suite)).sorted().joined(separator: ","),
                startedAt: merged.rows.map(\.timestamp).min() ?? "", finishedAt: Timestamp.iso(Date()),
                interrupted: false,
                environment: environment, rows: rows)
            s.mergedFrom = merged.sources
            return s
        }
        return merged.rows.count
    }
}

/// Where a merged file's rows came from (recorded in its sidecar).
public struct MergedSource: Codable, Sendable, Equatable {
    public var csvFile: String
    public var runID: String
    public var environment: HostEnvironment?

    enum CodingKeys: String, CodingKey { case csvFile = "csv_file", runID = "run_id", environment }
}
