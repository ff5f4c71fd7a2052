import BenchCore
import Foundation

/// A results CSV with its sidecar (when present), validated and indexed by row key.
public struct ResultSet: Sendable {
    public var path: String
    public var columns: [String]
    public var rows: [ResultRow]
    /// The sidecar next to the CSV, or `nil` when there is none (a valid input: verdicts
    /// then rest on the CI columns).
    public var sidecar: Sidecar?
    private var samplesByKey: [RowKey: [Double]]
    private var roundsByKey: [RowKey: [[Double]]]

    /// Reads `path` and, if it exists, the sidecar beside it.
    ///
    /// - Throws: ``ResultFileError`` for an unreadable or invalid CSV, duplicate keys
    ///   within the file, or a sidecar that does not match the CSV (other run, other rows).
    public init(path: String) throws(ResultFileError) {
        self.path = path
        (columns, rows) = try ResultReader.read(path: path)
        var seen: [RowKey: Int] = [:]
        for (i, row) in rows.enumerated() {
            if let first = seen[row.key] {
                throw .invalid(
                    path: path, record: i + 2, column: "case_id",
                    reason: "duplicate row \(row.key) (first at record \(first + 2))")
            }
            seen[row.key] = i
        }
        let sidecarPath = ResultWriter.sidecarURL(for: URL(fileURLWithPath: path)).path
        samplesByKey = [:]
        roundsByKey = [:]
        sidecar = nil
        // A sidecar that is a dangling link is "no such file"; one that is a device or FIFO is
        // refused by the reader, not skipped.
        var linkInfo = stat()
        if FileManager.default.fileExists(atPath: sidecarPath) || lstat(sidecarPath, &linkInfo) == 0 {
            let s = try ResultReader.readSidecar(path: sidecarPath)
            let runIDs = Set(rows.map(\.runID))
            // A merged file's sidecar has its own run id; its rows keep their runs' ids, which
            // must be among the merged sources.
            let mergedRuns = Set((s.mergedFrom ?? []).flatMap { $0.runID.split(separator: ",").map(String.init) })
            if !mergedRuns.isEmpty {
                if let stranger = runIDs.first(where: { !mergedRuns.contains($0) }) {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: "run_id",
                        reason: "the CSV has rows of run \(stranger), which the sidecar's merged_from does not list")
                }
            } else if runIDs.count > 1 {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "run_id",
                    reason:
                        "the CSV has rows of \(runIDs.count) runs but the sidecar is one run's (\(s.runID)) and lists no merged_from: combine runs with bench merge"
                )
            } else if !rows.isEmpty, !runIDs.contains(s.runID), runIDs.count == 1 {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "run_id",
                    reason: "sidecar run_id \(s.runID) does not match the CSV's \(runIDs.first ?? "")")
            }
            let keys = Set(rows.map(\.key))
            for r in s.rows {
                guard keys.contains(r.key) else {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: nil, reason: "sidecar has a row the CSV lacks: \(r.key)")
                }
                if let bad = r.samplesSeconds.first(where: { !$0.isFinite || $0 < 0 }) {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: "samples_s", reason: "invalid sample \(bad) for \(r.key)")
                }
                samplesByKey[r.key] = r.samplesSeconds
                if let rounds = r.rounds {
                    guard let split = r.roundSamples else {
                        throw .invalid(
                            path: sidecarPath, record: 0, column: "rounds",
                            reason:
                                "\(r.key): the rounds' sample counts add up to \(rounds.map(\.samples).reduce(0, +)), not the \(r.samplesSeconds.count) samples"
                        )
                    }
                    roundsByKey[r.key] = split
                }
            }
            // A sidecar row without samples is allowed (merged from a CSV that had no sidecar).
            for row in rows {
                guard let xs = samplesByKey[row.key], !xs.isEmpty else { continue }
                guard xs.count == row.samples else {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: "samples_s",
                        reason: "\(row.key): the CSV says \(row.samples) samples, the sidecar has \(xs.count)")
                }
                if let n = row.rounds, let split = roundsByKey[row.key], split.count != n {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: "rounds",
                        reason: "\(row.key): the CSV says \(n) rounds, the sidecar has \(split.count)")
                }
                // The samples must be the ones the CSV's median came from.
                if row.status == .ok, let median = row.medianSeconds, median > 0 {
                    let m = Summary(xs).median
                    guard abs(m / median - 1) <= 0.01 else {
                        throw .invalid(
                            path: sidecarPath, record: 0, column: "samples_s",
                            reason:
                                "\(row.key): the samples' median \(m) s is not the CSV's median_s \(median) s (off by more than 1%)"
                        )
                    }
                }
            }
            sidecar = s
        }
    }

    /// Builds a set from rows in memory (merging, tests).
    public init(path: String, columns: [String], rows: [ResultRow], sidecar: Sidecar?) {
        self.path = path
        self.columns = columns
        self.rows = rows
        self.sidecar = sidecar
        samplesByKey = Dictionary(uniqueKeysWithValues: (sidecar?.rows ?? []).map { ($0.key, $0.samplesSeconds) })
        roundsByKey = Dictionary(
            uniqueKeysWithValues: (sidecar?.rows ?? []).compactMap { r in r.roundSamples.map { (r.key, $0) } })
    }

    /// Raw per-call seconds of a row, or `nil` without a sidecar (or without samples).
    public func samples(for key: RowKey) -> [Double]? {
        guard let s = samplesByKey[key], !s.isEmpty else { return nil }
        return s
    }

    /// The samples of each round of a row (see ``SidecarRow/rounds``), or `nil` when the
    /// sidecar has no round records for it (a file written before rounds, or none).
    public func rounds(for key: RowKey) -> [[Double]]? {
        guard let r = roundsByKey[key], !r.isEmpty else { return nil }
        return r
    }
}
