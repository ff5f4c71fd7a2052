import BenchCore
import Foundation

/// Reads results CSVs (RFC 4180: quoted fields, commas and
/// newlines inside quotes, CRLF), streaming record by record.
public enum ResultReader {
    /// Reads and validates every row of the CSV at `path`.
    ///
    /// The header must start with the schema's required columns in order; later columns
    /// are read by name (a known column the file lacks reads as empty, an unknown one is ignored).
    public static func read(path: String) throws(ResultFileError) -> (columns: [String], rows: [ResultRow]) {
        try requireRegularFile(path)
        var reader: CSVRecords
        var header: [String]
        do {
            reader = try CSVRecords(path: path)
            header = try reader.next() ?? []
        } catch {
            throw csvFailure(error, path: path, record: 1)
        }
        // A byte-order mark some editors add is not part of the first column's name.
        if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
        guard !header.isEmpty, header != [""] else {
            throw .invalid(path: path, record: 1, column: nil, reason: "no header row (empty file)")
        }
        let required = ResultSchema.columns.prefix(ResultSchema.requiredCount).map(\.name)
        for (i, name) in required.enumerated() {
            guard i < header.count else {
                throw .invalid(path: path, record: 1, column: name, reason: "missing required column '\(name)'")
            }
            guard header[i] == name else {
                let reason =
                    header.contains(name)
                    ? "column '\(name)' is out of order (expected at position \(i + 1), found '\(header[i])')"
                    : "missing required column '\(name)' (found '\(header[i])' at position \(i + 1))"
                throw .invalid(path: path, record: 1, column: name, reason: reason)
            }
        }
        // Later columns by name; a column this build does not know is ignored.
        let columns = header.map { ResultSchema.column(named: $0) }
        // A fleet file repeats its run ids, times, cases, devices and notes on thousands of
        // rows: each distinct text is kept once (a third of a 400,000-row file's memory).
        let shared = columns.indices.filter { columns[$0].map { Self.sharedColumns.contains($0.name) } ?? false }
        var seen = [[String: String]](repeating: [:], count: columns.count)
        var previous: [String] = []
        let readers = columns.map { $0?.read }
        let isText = columns.map { $0?.isText ?? false }
        var rows: [ResultRow] = []
        var record = 1
        while true {
            let next: [String]?
            do { next = try reader.next() } catch { throw csvFailure(error, path: path, record: record + 1) }
            guard var fields = next else { break }
            record += 1
            if fields == [""] { continue }  // a blank line
            guard fields.count == header.count else {
                throw .invalid(
                    path: path, record: record, column: nil,
                    reason: "\(fields.count) fields where the header has \(header.count)")
            }
            for i in shared {
                // Most repeats are the row before's (its run, time, suite, host): no hashing then.
                if i < previous.count, fields[i] == previous[i] {
                    fields[i] = previous[i]
                } else if let known = seen[i][fields[i]] {
                    fields[i] = known
                } else {
                    seen[i][fields[i]] = fields[i]
                }
            }
            previous = fields
            if rows.count == 1000 {
                // Room for the rest at the first rows' length: a 400,000-row file's array grown
                // by doubling holds up to half again its rows' size unused.
                var st = stat()
                if stat(path, &st) == 0, reader.offset > 0 {
                    rows.reserveCapacity(Int(Double(st.st_size) / Double(reader.offset) * 1.02 * 1000) + 16)
                }
            }
            let row = try parse(fields, readers: readers, isText: isText, header: header, path: path, record: record)
            if let c = row.contradiction() {
                throw .invalid(path: path, record: record, column: c.column, reason: c.reason)
            }
            rows.append(row)
        }
        return (header, rows)
    }

    /// The text columns a row keeps as read, whose repeats share one copy.
    static let sharedColumns: Set<String> = [
        "run_id", "timestamp", "suite", "case_id", "kernel", "shape", "backend", "device", "throughput_unit",
        "notes", "catalog_version", "host",
    ]

    /// One line for a record the CSV reader could not split.
    static func csvFailure(_ error: CSVRecords.Failure, path: String, record: Int) -> ResultFileError {
        switch error {
        case .notUTF8(let offset):
            .invalid(
                path: path, record: record, column: nil,
                reason: "not UTF-8 text: an invalid byte at offset \(offset) (bench writes UTF-8)")
        case .unterminatedQuote(let offset):
            .invalid(path: path, record: record, column: nil, reason: "a quoted field from byte \(offset) never ends")
        case .strayQuote(let offset):
            .invalid(
                path: path, record: record, column: nil,
                reason: "a quote at byte \(offset) inside a field (quote the whole field, doubling inner quotes)")
        case .unreadable(let reason): .cannotRead(path: path, reason: reason)
        }
    }

    static func parse(
        _ fields: [String], readers: [ResultColumn.Reader?], isText: [Bool], header: [String], path: String,
        record: Int
    ) throws(ResultFileError) -> ResultRow {
        var row = ResultRow()
        for i in readers.indices {
            guard let read = readers[i] else { continue }
            let text = isText[i] ? CSVFormulaGuard.restored(fields[i]) : fields[i]
            try read(&row, ResultField(text: text, path: path, record: record, column: header[i]))
        }
        return row
    }

    /// Reads and decodes a sidecar JSON file, rows and all (see ``streamSidecar(path:row:)``
    /// for a file too big to hold twice).
    public static func readSidecar(path: String) throws(ResultFileError) -> Sidecar {
        var rows: [SidecarRow] = []
        var sidecar = try streamSidecar(path: path) { (_, r) throws(ResultFileError) in rows.append(r) }
        sidecar.rows = rows
        return sidecar
    }

    /// Reads a sidecar JSON file a batch of rows at a time: each row, checked for impossible
    /// numbers, goes to `row` with its index, and the document comes back without its rows.
    /// `chunk` (bytes read at a time) and `batchBytes` (rows decoded at a time) are small only
    /// in tests of their boundaries.
    public static func streamSidecar(
        path: String, chunk: Int = 1 << 22, batchBytes: Int = 1 << 22,
        row: (Int, SidecarRow) throws(ResultFileError) -> Void
    ) throws(ResultFileError) -> Sidecar {
        try requireRegularFile(path)
        var failure: ResultFileError?
        let sidecar: Sidecar
        do {
            let stream = try SidecarStream(path: path, chunk: chunk, batchBytes: batchBytes)
            sidecar = try stream.read(decoder: Sidecar.decoder) { (i, r) throws(SidecarStream.Failure) in
                if let p = r.problem() {
                    failure = .invalid(path: path, record: 0, column: p.field, reason: p.reason)
                    throw .invalid("")
                }
                do throws(ResultFileError) {
                    try row(i, r)
                } catch {
                    failure = error
                    throw .invalid("")
                }
            }
        } catch {
            if let failure { throw failure }
            switch error {
            case .unreadable(let reason): throw .cannotRead(path: path, reason: reason)
            case .invalid(let reason):
                throw .invalid(path: path, record: 0, column: nil, reason: "not a valid sidecar: \(reason)")
            }
        }
        guard sidecar.schemaVersion == Sidecar.currentSchemaVersion else {
            throw .invalid(
                path: path, record: 0, column: "schema_version",
                reason:
                    "unknown sidecar schema_version \(sidecar.schemaVersion) (this build reads \(Sidecar.currentSchemaVersion))"
            )
        }
        if let p = sidecar.environmentProblem() {
            throw .invalid(path: path, record: 0, column: p.field, reason: p.reason)
        }
        return sidecar
    }

    /// Refuses what is not a regular file (after links): `/dev/zero` would be read for ever and
    /// a FIFO would block. A missing file is "no such file".
    static func requireRegularFile(_ path: String) throws(ResultFileError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw .cannotRead(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            let kind: String
            switch st.st_mode & S_IFMT {
            case S_IFCHR: kind = "a character device"
            case S_IFBLK: kind = "a block device"
            case S_IFIFO: kind = "a FIFO"
            case S_IFDIR: kind = "a directory"
            case S_IFSOCK: kind = "a socket"
            default: kind = "not a regular file"
            }
            throw .cannotRead(path: path, reason: "\(kind), not a results file")
        }
    }
}
