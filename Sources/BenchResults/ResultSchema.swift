import BenchCore

/// The results CSV schema: one table of columns that the writer, the reader and
/// `docs/results-schema.md` all follow.
///
/// Columns are only ever added at the end of a row. `schema_version` (the number in every
/// row) changes only when a column is renamed, removed, reordered or changes meaning; adding
/// trailing columns raises ``revision`` instead, and every reader of the same version reads
/// every revision: columns it does not know are ignored, known columns a file lacks read as
/// empty. The first ``requiredCount`` columns must be present, in order.
public enum ResultSchema {
    /// The `schema_version` written in every row.
    public static let version = 1

    /// The newest revision (the `since` of the last column).
    public static var revision: String { columns.last?.since ?? "1.0" }

    /// Every column this build writes, in order.
    public static let columns: [ResultColumn] = [
        // 1.0: the core of every file.
        .init("schema_version", since: "1.0", write: { String($0.schemaVersion) }) { r, f throws(ResultFileError) in
            r.schemaVersion = try f.count()
            guard r.schemaVersion == version else {
                throw f.invalid("unknown schema_version \(r.schemaVersion) (this build reads \(version))")
            }
        },
        .init("run_id", since: "1.0", text: true, write: \.runID) { r, f in r.runID = f.text },
        .init("timestamp", since: "1.0", text: true, write: \.timestamp) { r, f throws(ResultFileError) in
            guard Timestamp.parse(f.text) != nil else {
                throw f.invalid("'\(f.text.prefix(40))' is not an ISO 8601 time like 2026-11-26T00:16:51Z")
            }
            r.timestamp = f.text
        },
        .init("suite", since: "1.0", text: true, write: \.suite) { r, f throws(ResultFileError) in
            r.suite = try f.nonEmpty()
        },
        .init("case_id", since: "1.0", text: true, quoted: true, write: \.caseID) { r, f throws(ResultFileError) in
            r.caseID = try f.nonEmpty()
        },
        .init("kernel", since: "1.0", text: true, write: \.kernel) { r, f in r.kernel = f.text },
        .init("dtype", since: "1.0", text: true, write: { $0.dtype.rawValue }) { r, f in
            r.dtype = DType(rawValue: f.text)
        },
        .init("shape", since: "1.0", text: true, quoted: true, write: \.shape) { r, f in r.shape = f.text },
        .init("backend", since: "1.0", text: true, write: { $0.backend.rawValue }) { r, f throws(ResultFileError) in
            r.backend = BackendID(try f.nonEmpty())
        },
        .init("backend_kind", since: "1.0", write: { $0.backendKind.rawValue }) { r, f throws(ResultFileError) in
            r.backendKind = try f.oneOf(BackendKind.self)
        },
        .init("device", since: "1.0", text: true, write: \.device) { r, f in r.device = f.text },
        .init("threads", since: "1.0", write: { String($0.threads) }) { r, f throws(ResultFileError) in
            r.threads = try f.count()
        },
        .init("status", since: "1.0", write: { $0.status.rawValue }) { r, f throws(ResultFileError) in
            r.status = try f.oneOf(RowStatus.self)
        },
        .init("samples", since: "1.0", write: { String($0.samples) }) { r, f throws(ResultFileError) in
            r.samples = try f.count()
        },
        .number("median_s", since: "1.0", \.medianSeconds),
        .number("p10_s", since: "1.0", \.p10Seconds),
        .number("p90_s", since: "1.0", \.p90Seconds),
        .number("ci_low_s", since: "1.0", \.ciLowSeconds),
        .number("ci_high_s", since: "1.0", \.ciHighSeconds),
        .init("flops", since: "1.0", write: { format($0.flops) }) { r, f throws(ResultFileError) in
            r.flops = try f.requiredNumber()
        },
        .init("bytes", since: "1.0", write: { format($0.bytes) }) { r, f throws(ResultFileError) in
            r.bytes = try f.requiredNumber()
        },
        .number("tflops", since: "1.0", \.tflops),
        .number("throughput", since: "1.0", \.throughput),
        .init("throughput_unit", since: "1.0", text: true, write: \.throughputUnit) { r, f in r.throughputUnit = f.text
        },
        .number("price_usd_per_hour", since: "1.0", \.priceUSDPerHour),
        .number("usd_per_pflop", since: "1.0", \.usdPerPFLOP),
        .number("usd_per_million_units", since: "1.0", \.usdPerMillionUnits),
        .init("notes", since: "1.0", text: true, write: \.notes) { r, f in r.notes = f.text },
        // 1.1: the training suite.
        .number("mfu", since: "1.1", \.mfu),
        .init("tokens_per_step", since: "1.1", write: { $0.tokensPerStep.map(String.init) ?? "" }) {
            r, f throws(ResultFileError) in
            r.tokensPerStep = f.text.isEmpty ? nil : try f.count()
        },
        // 1.2: the cost model.
        .init("bound", since: "1.2", write: { $0.bound?.rawValue ?? "" }) { r, f throws(ResultFileError) in
            r.bound = f.text.isEmpty ? nil : try f.oneOf(Bound.self)
        },
        .number("perf_per_dollar", since: "1.2", \.perfPerDollar),
        .init("catalog_version", since: "1.2", text: true, write: { $0.catalogVersion ?? "" }) { r, f in
            r.catalogVersion = f.text.isEmpty ? nil : f.text
        },
        // 1.3: the run pipeline.
        .number("plugin_overhead_s", since: "1.3", \.pluginOverheadSeconds),
        .number("model_s", since: "1.3", \.modelSeconds),
        .init("model_error", since: "1.3", write: { format($0.modelError) }) { r, f throws(ResultFileError) in
            r.modelError = try f.signedNumber()
        },
        // 1.4: rounds (between-run variance in measurement and compare).
        .init("rounds", since: "1.4", write: { $0.rounds.map(String.init) ?? "" }) { r, f throws(ResultFileError) in
            r.rounds = f.text.isEmpty ? nil : try f.count()
        },
        // 1.5: fleets (a row's host is part of its key).
        .init("host", since: "1.5", text: true, write: \.host) { r, f in r.host = f.text },
        // 1.6: energy per unit of work.
        .number("energy_j_per_unit", since: "1.6", \.energyJPerUnit),
        .init("energy_source", since: "1.6", write: { $0.energySource?.rawValue ?? "" }) {
            r, f throws(ResultFileError) in
            r.energySource = f.text.isEmpty ? nil : try f.oneOf(EnergySource.self)
        },
        // 1.7: counts (bench run --measure counts: callgrind's counts per call).
        .number("instructions", since: "1.7", \.instructions),
        .number("l1_misses", since: "1.7", \.l1Misses),
        .number("ll_misses", since: "1.7", \.llMisses),
        .number("est_cycles", since: "1.7", \.estimatedCycles),
        // 1.8: modeled rows' 80% prediction interval (docs/models.md#intervals).
        .number("interval_low_s", since: "1.8", \.intervalLowSeconds),
        .number("interval_high_s", since: "1.8", \.intervalHighSeconds),
    ]

    /// How many leading columns every file must have, in this order (revision 1.0).
    public static let requiredCount = columns.firstIndex { $0.since != "1.0" } ?? columns.count

    /// Every column name this build writes, in order.
    public static var columnNames: [String] { columns.map(\.name) }

    /// The names of the columns every file must start with (revision 1.0).
    public static var requiredColumnNames: [String] { Array(columnNames.prefix(requiredCount)) }

    /// The column called `name`, if this build knows it.
    public static func column(named name: String) -> ResultColumn? { columns.first { $0.name == name } }

    /// Formats an optional number: empty for `nil`, otherwise Swift's shortest round-trip form.
    public static func format(_ value: Double?) -> String { plainNumber(value) }
}

extension ResultRow {
    /// The row's text in every column of ``ResultSchema/columns``, in order (unquoted).
    public var fields: [String] { ResultSchema.columns.map { $0.text(of: self) } }
}

/// One column of the results CSV: its name, the schema revision that added it, and how a
/// ``ResultRow`` field is written to and read from its text.
public struct ResultColumn: Sendable {
    public let name: String
    /// The schema revision that added the column, e.g. `"1.2"`.
    public let since: String
    /// Whether the field is always quoted (it contains commas by design).
    public let isQuoted: Bool
    /// Whether the field is free text, which ``CSVFormulaGuard`` neutralises on write.
    public let isText: Bool
    let write: @Sendable (ResultRow) -> String
    let read: Reader
    /// How a column's text goes into a row.
    typealias Reader = @Sendable (inout ResultRow, ResultField) throws(ResultFileError) -> Void

    init(
        _ name: String, since: String, text: Bool = false, quoted: Bool = false,
        write: @escaping @Sendable (ResultRow) -> String,
        read: @escaping @Sendable (inout ResultRow, ResultField) throws(ResultFileError) -> Void
    ) {
        self.name = name
        self.since = since
        isQuoted = quoted
        isText = text
        self.write = write
        self.read = read
    }

    /// A column holding a finite, non-negative optional number.
    static func number(_ name: String, since: String, _ field: WritableKeyPath<ResultRow, Double?> & Sendable)
        -> ResultColumn
    {
        guard let stored = ResultRow.stored(field) else {
            return ResultColumn(name, since: since, write: { ResultSchema.format($0[keyPath: field]) }) {
                r, f throws(ResultFileError) in
                r[keyPath: field] = try f.number()
            }
        }
        return ResultColumn(name, since: since, write: { ResultSchema.format($0[keyPath: stored].wrappedValue) }) {
            r, f throws(ResultFileError) in
            r[keyPath: stored].wrappedValue = try f.number()
        }
    }

    /// The column's text for `row`, as written in the file (free text neutralised).
    public func text(of row: ResultRow) -> String { isText ? CSVFormulaGuard.neutralized(write(row)) : write(row) }
}

/// One field being read: its text and where it is, so every failure names file, record and column.
public struct ResultField {
    public let text: String
    let path: String
    let record: Int
    let column: String

    func invalid(_ reason: String) -> ResultFileError {
        .invalid(path: path, record: record, column: column, reason: reason)
    }

    func nonEmpty() throws(ResultFileError) -> String {
        guard !text.isEmpty else { throw invalid("empty, but required") }
        return text
    }

    func count() throws(ResultFileError) -> Int {
        guard let v = Int(text), v >= 0 else { throw invalid("'\(text)' is not a non-negative integer") }
        return v
    }

    func signedNumber() throws(ResultFileError) -> Double? {
        if text.isEmpty { return nil }
        guard let v = Double(text) else { throw invalid("'\(text)' is not a number") }
        guard v.isFinite else { throw invalid("'\(text)' is not finite") }
        // Subnormal: no measurement or price is that small, and arithmetic on it overflows.
        guard v == 0 || v.isNormal else { throw invalid("'\(text)' is subnormal (below 2.2e-308), not a measurement") }
        return v
    }

    func number() throws(ResultFileError) -> Double? {
        guard let v = try signedNumber() else { return nil }
        guard v >= 0 else { throw invalid("'\(text)' is negative") }
        return v
    }

    func requiredNumber() throws(ResultFileError) -> Double {
        guard let v = try number() else { throw invalid("empty, but required") }
        return v
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) throws(ResultFileError) -> T where T.RawValue == String {
        guard let v = T(rawValue: text) else {
            throw invalid("'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }
}

/// Spreadsheet formula injection (OWASP, "CSV Injection"): a free-text field that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula when the CSV is opened
/// in a spreadsheet, so bench writes it with a leading `'`. A field that starts with `'` gets
/// one more, so the rule is reversible: bench's reader removes exactly one leading `'`, and
/// every value reads back as it was (docs/results-schema.md).
public enum CSVFormulaGuard {
    static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "'"]

    /// The field as written.
    public static func neutralized(_ value: String) -> String {
        guard let first = value.first, triggers.contains(first) else { return value }
        return "'" + value
    }

    /// The field as read back.
    public static func restored(_ field: String) -> String {
        field.first == "'" ? String(field.dropFirst()) : field
    }
}
