import ArgumentParser
import BenchCore
import BenchResults
import Foundation

/// `bench summarize`: medians over rounds of result files, and ratios between backends.
struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract:
            "Median of a metric over several result CSVs (rounds), per case, backend and threads; ratios between backends.",
        discussion: """
            Only ok rows with a value count. One line per (case_id, threads), one column per backend (the \
            median over the files' rows for it; the table adds (n/N) where only n of its N rows count), \
            then one column per --ratio A/B: median(A) / median(B). Exit status: 0, or 2 for bad usage or input.
            """
    )

    @Argument(help: "Result CSVs, one per round.")
    var files: [String]

    @Option(
        help: "Metric: \(RoundSummary.metrics.map(\.rawValue).joined(separator: ", ")).", transform: Self.parseMetric)
    var metric: Metric = .medianSeconds

    @Option(help: "A ratio column A/B of two backend ids (repeatable).", transform: Self.parseRatio)
    var ratio: [BackendRatio] = []

    @Option(help: "Output format: table, csv, markdown.", transform: Self.parseFormat)
    var format: SummaryFormat = .table

    /// How the summary is printed.
    enum SummaryFormat: String, CaseIterable {
        /// Aligned columns for people, with rounded numbers.
        case table
        /// RFC 4180 CSV with full-precision numbers, for scripts.
        case csv
        /// A markdown table, for docs.
        case markdown
    }

    static func parseMetric(_ text: String) throws -> Metric {
        guard let m = RoundSummary.metrics.first(where: { $0.rawValue == text }) else {
            throw ValidationError(
                "unknown metric '\(text)' (valid: \(RoundSummary.metrics.map(\.rawValue).joined(separator: ", ")))")
        }
        return m
    }

    static func parseRatio(_ text: String) throws -> BackendRatio {
        guard let r = BackendRatio(parsing: text) else {
            throw ValidationError("takes two backend ids as A/B (got '\(text)')")
        }
        return r
    }

    static func parseFormat(_ text: String) throws -> SummaryFormat {
        guard let f = SummaryFormat(rawValue: text) else {
            throw ValidationError(
                "unknown format '\(text)' (valid: \(SummaryFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }

    func run() throws {
        let sets: [ResultSet]
        do { sets = try ResultSet.load(files) } catch { throw UsageError("\(error)") }
        do {
            print(Self.render(try RoundSummary(sets, metric: metric, ratios: ratio), format: format))
        } catch {
            throw UsageError("\(error)")
        }
    }

    /// The summary as an aligned table, CSV (full precision, for scripts) or a markdown table.
    static func render(_ s: RoundSummary, format: SummaryFormat) -> String {
        let header = ["case_id", "threads"] + s.backends + s.ratios.map(\.description)
        let csv = format == .csv
        let rows = s.lines.map { line in
            [line.caseID, String(line.threads)]
                + s.backends.map { b in
                    let m = line.medians[b]
                    if csv { return ResultSchema.format(m) }
                    let (n, total) = (line.rounds[b] ?? 0, line.rows[b] ?? 0)
                    return (m.map { String(format: abs($0) >= 1000 ? "%.0f" : "%.4g", $0) } ?? "-")
                        + (n < total ? " (\(n)/\(total))" : "")
                }
                + line.ratios.map { r in csv ? ResultSchema.format(r) : r.map { fixed($0, 3) } ?? "-" }
        }
        switch format {
        case .csv:
            return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n")
        case .markdown:
            let lines = [header, header.map { _ in "---" }] + rows.map { ["`\($0[0])`"] + $0.dropFirst() }
            return lines.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
        case .table:
            return "\(s.metric), median over \(s.files) file(s):\n"
                + TextTable.render([header] + rows, rightAligned: Set(1..<header.count))
        }
    }

    static func csvField(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
