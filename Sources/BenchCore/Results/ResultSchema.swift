/// The results CSV schema: column names, order and field encoding.
///
/// Documented in `docs/results-schema.md`. Readers accept unknown trailing columns.
public enum ResultSchema {
    /// The `schema_version` written in every row.
    public static let version = 1

    /// The v1 columns, exactly in this order.
    public static let v1Columns = [
        "schema_version", "run_id", "timestamp", "suite", "case_id", "kernel", "dtype", "shape",
        "backend", "backend_kind", "device", "threads", "status", "samples", "median_s", "p10_s",
        "p90_s", "ci_low_s", "ci_high_s", "flops", "bytes", "tflops", "throughput", "throughput_unit",
        "price_usd_per_hour", "usd_per_pflop", "usd_per_million_units", "notes",
    ]

    /// Columns added after v1 by the training suite, in order (readers treat them as optional).
    public static let trainingColumns = ["mfu", "tokens_per_step"]
    /// Columns added after those by the cost model, in order.
    public static let costColumns = ["bound", "perf_per_dollar", "catalog_version"]

    /// Every column this build writes, in order.
    public static let columns = v1Columns + trainingColumns + costColumns

    /// Columns that are always quoted (they contain commas by design).
    public static let alwaysQuoted: Set<String> = ["case_id", "shape"]

    /// Formats an optional number: empty for `nil`, otherwise Swift's shortest round-trip form.
    public static func format(_ value: Double?) -> String {
        guard let value else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension ResultRow {
    /// The v1 fields, in column order.
    public var fields: [String] {
        let f = ResultSchema.format
        return [
            String(schemaVersion), runID, timestamp, suite, caseID, kernel, dtype, shape,
            backend, backendKind.rawValue, device, String(threads), status.rawValue, String(samples),
            f(medianSeconds), f(p10Seconds), f(p90Seconds), f(ciLowSeconds), f(ciHighSeconds),
            f(flops), f(bytes), f(tflops), f(throughput), throughputUnit,
            f(priceUSDPerHour), f(usdPerPFLOP), f(usdPerMillionUnits), notes,
        ]
    }
}
