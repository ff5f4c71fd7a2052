import Foundation

/// Combines result files (e.g. shards run on different machines) into one.
public enum ResultMerger {
    /// Errors merging files, naming the file and row.
    public enum Error: Swift.Error, CustomStringConvertible {
        case duplicate(key: RowKey, first: String, other: String)
        /// Combining rounds needs runs of one host, build and settings.
        case otherHost(first: String, other: String, difference: String)
        case modeledDiffers(key: RowKey, first: String, other: String)
        case noSamples(key: RowKey, path: String)

        public var description: String {
            switch self {
            case .duplicate(let k, let a, let b):
                "row \(k) is in both \(a) and \(b); pass --prefer latest to keep the newer one, or --prefer rounds to combine repeated runs"
            case .otherHost(let a, let b, let d):
                "--prefer rounds combines repeated runs of one host and build: \(a) and \(b) differ (\(d))"
            case .modeledDiffers(let k, let a, let b):
                "modeled row \(k) differs between \(a) and \(b) (another catalog?); runs to combine must agree on modeled rows"
            case .noSamples(let k, let path):
                "--prefer rounds needs the raw samples: \(path) has no sidecar samples for \(k)"
            }
        }
    }

    /// What to do with a row key present in several files.
    public enum Duplicates: Sendable {
        /// Refuse (shards must not overlap).
        case refuse
        /// Keep the row with the later timestamp (the later file on a tie).
        case latest
        /// Repeated runs of one build on one host: combine each measured row's rounds (the
        /// samples of every run, each run's rounds in file order) and recompute its statistics;
        /// a failed row in any run wins; modeled rows must agree.
        case rounds
    }

    /// Merges `sets` in order (files of any revision of the schema: rows are typed, so a
    /// column one file lacks is simply empty in its rows). A key present twice is an error
    /// unless `preferLatest`, which keeps the row with the later timestamp (the later file on a tie).
    public static func merge(_ sets: [ResultSet], preferLatest: Bool) throws(ResultMerger.Error) -> (
        rows: [ResultRow], samples: [SidecarRow], sources: [MergedSource]
    ) {
        try merge(sets, duplicates: preferLatest ? .latest : .refuse)
    }

    /// Merges `sets` in order, treating repeated row keys as `duplicates` says.
    public static func merge(_ sets: [ResultSet], duplicates: Duplicates) throws(ResultMerger.Error) -> (
        rows: [ResultRow], samples: [SidecarRow], sources: [MergedSource]
    ) {
        if duplicates == .rounds, let first = sets.first {
            for other in sets.dropFirst() {
                if let d = Comparator.environmentDifference(first, other, comparingBackends: false) {
                    throw .otherHost(first: first.path, other: other.path, difference: d)
                }
            }
        }
        var runs: [RowKey: Int] = [:]
        var rows: [ResultRow] = []
        var origin: [RowKey: (index: Int, path: String)] = [:]
        var samples: [RowKey: SidecarRow] = [:]
        for set in sets {
            let sidecarRows = Dictionary(
                (set.sidecar?.rows ?? []).map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
            for row in set.rows {
                if let existing = origin[row.key] {
                    if duplicates == .rounds {
                        runs[row.key, default: 1] += 1
                        let combined = try combine(
                            (rows[existing.index], samples[row.key], existing.path),
                            (row, sidecarRows[row.key], set.path))
                        rows[existing.index] = combined.row
                        samples[row.key] = combined.samples
                        continue
                    }
                    guard duplicates == .latest else {
                        throw .duplicate(key: row.key, first: existing.path, other: set.path)
                    }
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
        for (key, n) in runs {
            guard let i = rows.firstIndex(where: { $0.key == key }), rows[i].status == .ok,
                rows[i].backendKind == .measured
            else { continue }
            rows[i].notes = "\(n) runs combined by bench merge --prefer rounds; " + rows[i].notes
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
    /// One row of two runs of the same build on the same host, as one measurement: the second
    /// run's rounds after the first's.
    static func combine(
        _ a: (row: ResultRow, samples: SidecarRow?, path: String),
        _ b: (row: ResultRow, samples: SidecarRow?, path: String)
    ) throws(ResultMerger.Error) -> (row: ResultRow, samples: SidecarRow?) {
        if a.row.backendKind == .modeled || b.row.backendKind == .modeled {
            guard a.row.status == b.row.status, a.row.medianSeconds == b.row.medianSeconds else {
                throw .modeledDiffers(key: a.row.key, first: a.path, other: b.path)
            }
            return (a.row, a.samples)
        }
        // A failure in any run is the row's outcome (its reason stays in the notes).
        if a.row.status != .ok { return (a.row, a.samples) }
        if b.row.status != .ok { return (b.row, b.samples) }
        func rounds(_ side: (row: ResultRow, samples: SidecarRow?, path: String)) throws(ResultMerger.Error) -> (
            [[Double]], [SidecarRound]
        ) {
            guard let s = side.samples, !s.samplesSeconds.isEmpty else {
                throw .noSamples(key: side.row.key, path: side.path)
            }
            if let split = s.roundSamples, let records = s.rounds, !records.isEmpty { return (split, records) }
            // A file without round records: its samples are one round.
            return (
                [s.samplesSeconds],
                [
                    SidecarRound(
                        samples: s.samplesSeconds.count, callsPerSample: s.callsPerSample, warmupCalls: s.warmupCalls,
                        stopReason: s.stopReason ?? .budget)
                ]
            )
        }
        let (ra, recA) = try rounds(a)
        let (rb, recB) = try rounds(b)
        var row = a.row
        guard let oldMedian = row.medianSeconds else { return (a.row, a.samples) }
        let all = ra + rb
        row.setTimes(RoundStatistics(rounds: all), rounds: all.count)
        row.rescaleSpeedAndCost(fromMedian: oldMedian)
        var samples = a.samples ?? SidecarRow(key: row.key, status: .ok)
        samples.samplesSeconds = all.flatMap { $0 }
        samples.rounds = recA + recB
        samples.warmupCalls += b.samples?.warmupCalls ?? 0
        return (row, samples)
    }

    /// Merges `sets` and writes the result to `destination` with a sidecar that records the
    /// sources (the environment is the first file's). Returns the number of rows written.
    @discardableResult
    public static func write(_ sets: [ResultSet], to destination: URL, preferLatest: Bool) throws -> Int {
        try write(sets, to: destination, duplicates: preferLatest ? .latest : .refuse)
    }

    /// Merges `sets` as `duplicates` says and writes the result to `destination`.
    @discardableResult
    public static func write(_ sets: [ResultSet], to destination: URL, duplicates: Duplicates) throws -> Int {
        let merged = try merge(sets, duplicates: duplicates)
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
