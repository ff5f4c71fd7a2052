import CSV
import Foundation

/// Reads results CSVs with the CSV library (RFC 4180: quoted fields, commas and
/// newlines inside quotes, CRLF), streaming record by record.
public enum ResultReader {
    /// Reads and validates every row of the CSV at `path`.
    ///
    /// The header must start with the v1 columns in order; later columns are
    /// kept as ``ResultRow/extraColumns``.
    public static func read(path: String) throws(ResultFileError) -> (columns: [String], rows: [ResultRow]) {
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
        let v1 = ResultSchema.v1Columns
        for (i, name) in v1.enumerated() {
            guard i < header.count else {
                throw .invalid(path: path, record: 1, column: name, reason: "missing required column '\(name)'")
            }
            guard header[i] == name else {
                let reason = header.contains(name)
                    ? "column '\(name)' is out of order (expected at position \(i + 1), found '\(header[i])')"
                    : "missing required column '\(name)' (found '\(header[i])' at position \(i + 1))"
                throw .invalid(path: path, record: 1, column: name, reason: reason)
            }
        }
        var rows: [ResultRow] = []
        var record = 1
        while let fields = reader.next() {
            record += 1
            if fields == [""] { continue }  // a blank line
            guard fields.count == header.count else {
                throw .invalid(path: path, record: record, column: nil,
                               reason: "\(fields.count) fields where the header has \(header.count)")
            }
            rows.append(try parse(fields, header: header, path: path, record: record))
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

    static func parse(_ f: [String], header: [String], path: String, record: Int) throws(ResultFileError) -> ResultRow {
        func fail(_ column: String, _ reason: String) -> ResultFileError {
            .invalid(path: path, record: record, column: column, reason: reason)
        }
        func int(_ i: Int) throws(ResultFileError) -> Int {
            guard let v = Int(f[i]), v >= 0 else { throw fail(header[i], "'\(f[i])' is not a non-negative integer") }
            return v
        }
        func number(_ i: Int) throws(ResultFileError) -> Double? {
            if f[i].isEmpty { return nil }
            guard let v = Double(f[i]) else { throw fail(header[i], "'\(f[i])' is not a number") }
            guard v.isFinite else { throw fail(header[i], "'\(f[i])' is not finite") }
            guard v >= 0 else { throw fail(header[i], "'\(f[i])' is negative") }
            return v
        }
        func required(_ i: Int) throws(ResultFileError) -> Double {
            guard let v = try number(i) else { throw fail(header[i], "empty, but required") }
            return v
        }
        let version = try int(0)
        guard version == ResultSchema.version else {
            throw fail("schema_version", "unknown schema_version \(version) (this build reads \(ResultSchema.version))")
        }
        guard let kind = BackendKind(rawValue: f[9]) else {
            throw fail("backend_kind", "'\(f[9])' is not one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let status = RowStatus(rawValue: f[12]) else {
            throw fail("status", "'\(f[12])' is not one of \(RowStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for i in [3, 4, 8] where f[i].isEmpty { throw fail(header[i], "empty, but required") }
        var row = ResultRow(
            runID: f[1], timestamp: f[2], suite: f[3], caseID: f[4], kernel: f[5], dtype: f[6], shape: f[7],
            backend: f[8], backendKind: kind, device: f[10], threads: try int(11), status: status,
            samples: try int(13), medianSeconds: try number(14), p10Seconds: try number(15),
            p90Seconds: try number(16), ciLowSeconds: try number(17), ciHighSeconds: try number(18),
            flops: try required(19), bytes: try required(20), tflops: try number(21), throughput: try number(22),
            throughputUnit: f[23], priceUSDPerHour: try number(24), usdPerPFLOP: try number(25),
            usdPerMillionUnits: try number(26), notes: f[27])
        row.extraColumns = (ResultSchema.v1Columns.count..<header.count).map { (header[$0], f[$0]) }
        return row
    }

    /// Reads and decodes a sidecar JSON file.
    public static func readSidecar(path: String) throws(ResultFileError) -> Sidecar {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .cannotRead(path: path, reason: "no such file")
        }
        do {
            return try JSONDecoder().decode(Sidecar.self, from: data)
        } catch {
            throw .invalid(path: path, record: 0, column: nil, reason: "not a valid sidecar: \(error)")
        }
    }
}
