import BenchCore
import CSV
import Foundation

/// Reads results CSVs with the CSV library (RFC 4180: quoted fields, commas and
/// newlines inside quotes, CRLF), streaming record by record.
public enum ResultReader {
    /// Reads and validates every row of the CSV at `path`.
    ///
    /// The header must start with the schema's required columns in order; later columns
    /// are read by name (a known column the file lacks reads as empty, an unknown one is ignored).
    public static func read(path: String) throws(ResultFileError) -> (columns: [String], rows: [ResultRow]) {
        try requireRegularFile(path)
        guard let stream = InputStream(fileAtPath: path) else {
            throw .cannotRead(path: path, reason: "no such file")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: true)
        } catch {
            throw .invalid(path: path, record: 1, column: nil, reason: "no header row (empty or unreadable file)")
        }
        guard let header = reader.headerRow, !header.isEmpty, header != [""] else {
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
        var rows: [ResultRow] = []
        var record = 1
        while let fields = reader.next() {
            record += 1
            if fields == [""] { continue }  // a blank line
            guard fields.count == header.count else {
                throw .invalid(
                    path: path, record: record, column: nil,
                    reason: "\(fields.count) fields where the header has \(header.count)")
            }
            let row = try parse(fields, columns: columns, header: header, path: path, record: record)
            if let c = row.contradiction() {
                throw .invalid(path: path, record: record, column: c.column, reason: c.reason)
            }
            rows.append(row)
        }
        // CSV.swift reports the end of the stream as `cannotReadFile`; anything else is real.
        if let error = reader.error, !Self.isEndOfStream(error) {
            throw .invalid(path: path, record: record + 1, column: nil, reason: "unreadable data (\(error))")
        }
        return (header, rows)
    }

    static func isEndOfStream(_ error: any Error) -> Bool {
        if case CSVError.cannotReadFile = error { return true }
        return false
    }

    static func parse(
        _ fields: [String], columns: [ResultColumn?], header: [String], path: String, record: Int
    ) throws(ResultFileError) -> ResultRow {
        var row = ResultRow()
        for (i, column) in columns.enumerated() {
            guard let column else { continue }
            let text = column.isText ? CSVFormulaGuard.restored(fields[i]) : fields[i]
            try column.read(&row, ResultField(text: text, path: path, record: record, column: header[i]))
        }
        return row
    }

    /// Reads and decodes a sidecar JSON file.
    public static func readSidecar(path: String) throws(ResultFileError) -> Sidecar {
        try requireRegularFile(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: "no such file")
        }
        let sidecar: Sidecar
        do {
            sidecar = try Sidecar.decoder.decode(Sidecar.self, from: data)
        } catch {
            throw .invalid(path: path, record: 0, column: nil, reason: "not a valid sidecar: \(error)")
        }
        guard sidecar.schemaVersion == Sidecar.currentSchemaVersion else {
            throw .invalid(
                path: path, record: 0, column: "schema_version",
                reason:
                    "unknown sidecar schema_version \(sidecar.schemaVersion) (this build reads \(Sidecar.currentSchemaVersion))"
            )
        }
        if let p = sidecar.problem() { throw .invalid(path: path, record: 0, column: p.field, reason: p.reason) }
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
