import BenchCore
import Foundation

/// A results CSV with its sidecar (when present), validated and indexed by row key.
public struct ResultSet: Sendable {
    public var path: String
    public var columns: [String]
    public var rows: [ResultRow]
    /// The sidecar next to the CSV, or `nil` when there is none (a valid input: verdicts
    /// then rest on the CI columns). Its `rows` are not kept here (a fleet file's are hundreds
    /// of megabytes): read them with ``sidecarRows``, ``sidecarRow(for:)``, ``samples(for:)``
    /// and ``rounds(for:)``.
    public var sidecar: Sidecar?
    private var store: SidecarRowStore
    private var index: [RowKey: Int]

    /// Reads `path` and, if it exists, the sidecar beside it.
    ///
    /// - Throws: ``ResultFileError`` for an unreadable or invalid CSV, duplicate keys
    ///   within the file, or a sidecar that does not match the CSV (other run, other rows).
    public init(path: String) throws(ResultFileError) {
        self.path = path
        (columns, rows) = try ResultReader.read(path: path)
        var seen: [RowKey: Int] = [:]
        seen.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            if let first = seen[row.key] {
                throw .invalid(
                    path: path, record: i + 2, column: "case_id",
                    reason: "duplicate row \(row.key) (first at record \(first + 2))")
            }
            seen[row.key] = i
        }
        index = seen
        store = SidecarRowStore(rowCount: rows.count)
        sidecar = nil
        let sidecarPath = ResultWriter.sidecarURL(for: URL(fileURLWithPath: path)).path
        // A sidecar that is a dangling link is "no such file"; one that is a device or FIFO is
        // refused by the reader, not skipped.
        var linkInfo = stat()
        guard FileManager.default.fileExists(atPath: sidecarPath) || lstat(sidecarPath, &linkInfo) == 0 else { return }
        // Rows are checked as they stream in; the first the CSV lacks is reported after the
        // run ids (a sidecar of another run is that, not a list of strangers).
        var stranger: RowKey?
        var store = SidecarRowStore(rowCount: rows.count)
        let rows = rows
        let s = try ResultReader.streamSidecar(path: sidecarPath) { (_, r) throws(ResultFileError) in
            guard let at = seen[r.key] else {
                if stranger == nil { stranger = r.key }
                return
            }
            guard !store.has(at) else {
                throw .invalid(path: sidecarPath, record: 0, column: nil, reason: "two sidecar rows for \(r.key)")
            }
            if let bad = r.samplesSeconds.first(where: { !$0.isFinite || $0 < 0 }) {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "samples_s", reason: "invalid sample \(bad) for \(r.key)")
            }
            if let rounds = r.rounds, rounds.map(\.samples).reduce(0, +) != r.samplesSeconds.count {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "rounds",
                    reason:
                        "\(r.key): the rounds' sample counts add up to \(rounds.map(\.samples).reduce(0, +)), not the \(r.samplesSeconds.count) samples"
                )
            }
            store.add(r, at: at, key: rows[at].key)
        }
        let runIDs = Set(rows.map(\.runID))
        // A merged file's sidecar has its own run id; its rows keep their runs' ids, which
        // must be among the merged sources.
        let mergedRuns = Set((s.mergedFrom ?? []).flatMap { $0.runID.split(separator: ",").map(String.init) })
        if !mergedRuns.isEmpty {
            if let other = runIDs.first(where: { !mergedRuns.contains($0) }) {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "run_id",
                    reason: "the CSV has rows of run \(other), which the sidecar's merged_from does not list")
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
        if let stranger {
            throw .invalid(
                path: sidecarPath, record: 0, column: nil, reason: "sidecar has a row the CSV lacks: \(stranger)")
        }
        // A sidecar row without samples is allowed (merged from a CSV that had no sidecar).
        for (i, row) in rows.enumerated() {
            let xs = store.samples(i)
            guard !xs.isEmpty else { continue }
            guard xs.count == row.samples else {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "samples_s",
                    reason: "\(row.key): the CSV says \(row.samples) samples, the sidecar has \(xs.count)")
            }
            if let n = row.rounds, let records = store.roundRecords(i), records.count != n {
                throw .invalid(
                    path: sidecarPath, record: 0, column: "rounds",
                    reason: "\(row.key): the CSV says \(n) rounds, the sidecar has \(records.count)")
            }
            // The samples must be the ones the CSV's median came from.
            if row.status == .ok, let median = row.medianSeconds, median > 0 {
                let m = Summary(Array(xs)).median
                guard abs(m / median - 1) <= 0.01 else {
                    throw .invalid(
                        path: sidecarPath, record: 0, column: "samples_s",
                        reason:
                            "\(row.key): the samples' median \(m) s is not the CSV's median_s \(median) s (off by more than 1%)"
                    )
                }
            }
        }
        self.store = store
        sidecar = s
    }

    /// Builds a set from rows in memory (merging, tests). Sidecar rows whose key no row has
    /// are dropped, and of two with one key the first is kept.
    public init(path: String, columns: [String], rows: [ResultRow], sidecar: Sidecar?) {
        self.path = path
        self.columns = columns
        self.rows = rows
        index = Dictionary(rows.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        store = SidecarRowStore(rowCount: rows.count)
        for r in sidecar?.rows ?? [] {
            guard let at = index[r.key], !store.has(at) else { continue }
            store.add(r, at: at, key: rows[at].key)
        }
        var header = sidecar
        header?.rows = []
        self.sidecar = header
    }

    /// The sidecar's rows, whole, in the sidecar's order (empty without a sidecar).
    public var sidecarRows: [SidecarRow] {
        var keyAt = [RowKey?](repeating: nil, count: store.rowCount)
        for (key, i) in index { keyAt[i] = key }
        return store.order.compactMap { i in keyAt[i].flatMap { store.row(i, key: $0) } }
    }

    /// The sidecar row of `key`, whole, or `nil`.
    public func sidecarRow(for key: RowKey) -> SidecarRow? { index[key].flatMap { store.row($0, key: key) } }

    /// Raw per-call seconds of a row, or `nil` without a sidecar (or without samples).
    public func samples(for key: RowKey) -> [Double]? {
        guard let i = index[key] else { return nil }
        let s = store.samples(i)
        return s.isEmpty ? nil : Array(s)
    }

    /// The samples of each round of a row (see ``SidecarRow/rounds``), or `nil` when the
    /// sidecar has no round records for it (a file written before rounds, or none).
    public func rounds(for key: RowKey) -> [[Double]]? {
        guard let i = index[key], let r = store.rounds(i), !r.isEmpty else { return nil }
        return r
    }
}
