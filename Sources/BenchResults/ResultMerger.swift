import BenchCore
import Foundation

/// Combines result files (e.g. shards run on different machines) into one.
public enum ResultMerger {
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

    /// Checks the shard files among `sets` (those whose sidecar has a ``FleetRecord``), grouped by
    /// (fleet run, host): every group needs each shard `0 ..< count` exactly once and one suite,
    /// sidecar schema, catalog version, build and shard count. A duplicated shard or a mismatch
    /// is always an error; missing shards are one unless `allowPartial`, when they come back as
    /// notes for the merged sidecar. Files without fleet records are not checked.
    public static func checkFleets(_ sets: [ResultSet], allowPartial: Bool) throws(ResultMerger.Error) -> [String] {
        struct Group: Hashable { var run: String, host: String }
        var groups: [Group: [(FleetRecord, ResultSet)]] = [:]
        var order: [Group] = []
        for set in sets {
            guard let f = set.sidecar?.fleet else { continue }
            let g = Group(run: f.runID, host: f.host)
            if groups[g] == nil { order.append(g) }
            groups[g, default: []].append((f, set))
        }
        var notes: [String] = []
        for g in order {
            let members = groups[g] ?? []
            guard let (first, firstSet) = members.first else { continue }
            for (f, set) in members.dropFirst() {
                let pairs: [(String, String, String)] = [
                    ("shard count", String(first.shardCount), String(f.shardCount)),
                    ("suite", firstSet.sidecar?.suite ?? "", set.sidecar?.suite ?? ""),
                    (
                        "sidecar schema", String(firstSet.sidecar?.schemaVersion ?? 0),
                        String(set.sidecar?.schemaVersion ?? 0)
                    ),
                    ("catalog version", first.catalogVersion, f.catalogVersion),
                    ("build", build(firstSet), build(set)),
                ]
                if let (what, a, b) = pairs.first(where: { $0.1 != $0.2 }) {
                    throw .fleetMismatch(run: g.run, host: g.host, what: what, first: a, other: b)
                }
            }
            let seen = members.map(\.0.shardIndex)
            let duplicated = Set(seen.filter { i in seen.filter { $0 == i }.count > 1 }).sorted()
            let missing = (0..<first.shardCount).filter { !seen.contains($0) }
            if !duplicated.isEmpty || (!missing.isEmpty && !allowPartial) {
                throw .incompleteFleet(
                    run: g.run, host: g.host, count: first.shardCount, missing: missing, duplicated: duplicated)
            }
            if !missing.isEmpty {
                notes.append(
                    "partial: fleet run '\(g.run)' on host '\(g.host)' lacks shard(s) \(Error.listed(missing)) of \(first.shardCount) (merged with --allow-partial)"
                )
            }
        }
        return notes
    }

    /// The build a file's sidecar names (bench version and commit).
    static func build(_ set: ResultSet) -> String {
        guard let e = set.sidecar?.environment else { return "" }
        return "\(e.harnessVersion) \(e.gitCommit)"
    }

    /// Merges `sets` in order, treating repeated row keys as `duplicates` says.
    public static func merge(_ sets: [ResultSet], duplicates: Duplicates) throws(ResultMerger.Error) -> (
        rows: [ResultRow], samples: [SidecarRow], sources: [MergedSource]
    ) {
        let m = try mergeAligned(sets, duplicates: duplicates)
        return (m.rows, m.sidecars.compactMap { $0 }, m.sources)
    }

    /// ``merge(_:duplicates:)`` with each row's sidecar row beside it (`nil` where it has none).
    static func mergeAligned(_ sets: [ResultSet], duplicates: Duplicates) throws(ResultMerger.Error) -> (
        rows: [ResultRow], sidecars: [SidecarRow?], sources: [MergedSource]
    ) {
        var seen: [String: String] = [:]
        for set in sets {
            for id in Set(set.rows.map(\.runID) + [set.sidecar?.runID].compactMap { $0 }).sorted() where !id.isEmpty {
                if let first = seen[id] { throw .sameRun(runID: id, first: first, other: set.path) }
                seen[id] = set.path
            }
        }
        if duplicates == .rounds, let first = sets.first {
            for other in sets.dropFirst() {
                if let d = ResultSet.environmentDifference(first, other, comparingBackends: false) {
                    throw .otherHost(first: first.path, other: other.path, difference: d)
                }
            }
        }
        var runs: [RowKey: Int] = [:]
        var rows: [ResultRow] = []
        var origin: [RowKey: (index: Int, path: String)] = [:]
        var sidecars: [SidecarRow?] = []
        rows.reserveCapacity(sets.map(\.rows.count).reduce(0, +))
        for set in sets {
            for row in set.rows {
                if let existing = origin[row.key] {
                    // Modeled rows do not depend on the host: shards of several hosts each
                    // carry them. Identical copies are one row; differing ones are refused
                    // (another catalog), unless the newest is asked for.
                    let kept = rows[existing.index]
                    if row.backendKind == .modeled, kept.backendKind == .modeled, duplicates != .latest {
                        guard row.status == kept.status, row.medianSeconds == kept.medianSeconds,
                            row.catalogVersion == kept.catalogVersion
                        else { throw .modeledDiffers(key: row.key, first: existing.path, other: set.path) }
                        continue
                    }
                    if duplicates == .rounds {
                        runs[row.key, default: 1] += 1
                        let combined = try combine(
                            (rows[existing.index], sidecars[existing.index], existing.path),
                            (row, set.sidecarRow(for: row.key), set.path))
                        rows[existing.index] = combined.row
                        sidecars[existing.index] = combined.samples
                        continue
                    }
                    guard duplicates == .latest else {
                        throw .duplicate(key: row.key, first: existing.path, other: set.path)
                    }
                    // By time, not text (files may write another zone offset); the reader
                    // refused any timestamp that does not parse.
                    let later = Timestamp.parse(row.timestamp) ?? .distantPast
                    let current = Timestamp.parse(rows[existing.index].timestamp) ?? .distantPast
                    if later >= current {
                        rows[existing.index] = row
                        origin[row.key] = (existing.index, set.path)
                        sidecars[existing.index] = set.sidecarRow(for: row.key)
                    }
                    continue
                }
                origin[row.key] = (rows.count, set.path)
                rows.append(row)
                sidecars.append(set.sidecarRow(for: row.key))
            }
        }
        for (key, n) in runs {
            guard let i = origin[key]?.index, rows[i].status == .ok,
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
        return (rows, sidecars, sources)
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
        if samples.callsPerSample == 0 { samples.callsPerSample = b.samples?.callsPerSample ?? 0 }
        return (row, samples)
    }

    /// Merges `sets` and writes the result to `destination` with a sidecar that records the
    /// sources (the environment is the first file's). Returns the number of rows written.
    @discardableResult
    public static func write(_ sets: [ResultSet], to destination: URL, preferLatest: Bool) throws -> Int {
        try write(sets, to: destination, duplicates: preferLatest ? .latest : .refuse)
    }

    /// Merges `sets` as `duplicates` says and writes the result to `destination`; shard files
    /// must form complete fleet groups (``checkFleets(_:allowPartial:)``). Nothing is written
    /// when the check or the merge fails.
    @discardableResult
    public static func write(
        _ sets: [ResultSet], to destination: URL, duplicates: Duplicates, allowPartial: Bool = false,
        lock: OutputLock? = nil
    ) throws -> Int {
        let notes = try checkFleets(sets, allowPartial: allowPartial)
        let merged = try mergeAligned(sets, duplicates: duplicates)
        // One environment per host the measured rows ran on.
        var hosts: [String: HostEnvironment] = [:]
        for set in sets {
            guard let env = set.sidecar?.environment else { continue }
            for host in Set(set.rows.map(\.host)) where !host.isEmpty && hosts[host] == nil { hosts[host] = env }
        }
        let writer = try ResultWriter(destination: destination, syncsEachRow: false, lock: lock)
        for (row, sidecar) in zip(merged.rows, merged.sidecars) {
            try writer.append(row, samples: sidecar ?? SidecarRow(key: row.key, status: row.status))
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
            s.hosts = hosts.isEmpty ? nil : hosts
            s.notes = notes.isEmpty ? nil : notes
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
