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
                // Bytes that are not UTF-8 make the CSV reader split a record wrongly: say so.
                if let offset = firstInvalidUTF8(path: path) {
                    throw .invalid(
                        path: path, record: record, column: nil,
                        reason: "not UTF-8 text: an invalid byte at offset \(offset) (bench writes UTF-8)")
                }
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

    /// The byte offset of the first byte that is not valid UTF-8, or `nil` (read in 1 MiB chunks).
    static func firstInvalidUTF8(path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var carry: [UInt8] = []
        var base = 0
        while true {
            let chunk = (try? handle.read(upToCount: 1 << 20)) ?? nil
            let bytes = carry + [UInt8](chunk ?? Data())
            if bytes.isEmpty { return nil }
            // Decode up to the last complete sequence; keep a cut sequence for the next chunk.
            var end = bytes.count
            if chunk != nil, !(chunk?.isEmpty ?? true) {
                var back = 0
                while back < 3, end - back - 1 >= 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
                if end - back - 1 >= 0, bytes[end - back - 1] >= 0xC0 { end = end - back - 1 }
            }
            var iterator = bytes[..<end].makeIterator()
            var decoder = UTF8()
            var position = 0
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let v): position += UTF8.width(v)
                case .emptyInput: break loop
                case .error: return base + position
                }
            }
            if chunk == nil || chunk!.isEmpty { return end < bytes.count ? base + end : nil }
            carry = Array(bytes[end...])
            base += end
        }
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
