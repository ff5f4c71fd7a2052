import ArgumentParser
import BenchCore
import Foundation

/// `bench summarize`: medians over rounds of result files, and ratios between backends.
struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Median of a metric over several result CSVs (rounds), per case, backend and threads; ratios between backends.",
        discussion: """
            Only ok rows count. One line per (case_id, threads), one column per backend (the median over the \
            files' ok rows for it; the table adds (n/N) where only n of its N rows are ok), then one column per \
            --ratio A/B: median(A) / median(B). Exit status: 0, or 2 for bad usage or input.
            """
    )

    @Argument(help: "Result CSVs, one per round.")
    var files: [String]

    @Option(help: "Metric: \(Metric.all.map(\.rawValue).joined(separator: ", ")).")
    var metric: String = "median_s"

    @Option(help: "A ratio column A/B of two backend ids (repeatable).")
    var ratio: [String] = []

    @Option(help: "Output format: table, csv, markdown.")
    var format: String = "table"

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one result CSV") }
        if Metric(rawValue: metric) == nil {
            throw ValidationError("--metric: unknown metric '\(metric)' (valid: \(Metric.all.map(\.rawValue).joined(separator: ", ")))")
        }
        if let bad = ratio.first(where: { BackendRatio(parsing: $0) == nil }) {
            throw ValidationError("--ratio takes two backend ids as A/B (got '\(bad)')")
        }
        if !["table", "csv", "markdown"].contains(format) {
            throw ValidationError("--format: unknown format '\(format)' (valid: table, csv, markdown)")
        }
    }

    func run() throws {
        var sets: [ResultSet] = []
        for f in files {
            do { sets.append(try ResultSet(path: f)) } catch { throw UsageError("\(error)") }
        }
        let summary: RoundSummary
        do {
            summary = try RoundSummary(sets, metric: Metric(rawValue: metric) ?? .medianSeconds,
                                       ratios: ratio.compactMap(BackendRatio.init(parsing:)))
        } catch {
            throw UsageError("\(error)")
        }
        print(Self.render(summary, format: format))
    }

    /// The summary as an aligned table, CSV (full precision, for scripts) or a markdown table.
    static func render(_ s: RoundSummary, format: String) -> String {
        let header = ["case_id", "threads"] + s.backends + s.ratios.map(\.description)
        let csv = format == "csv"
        let rows = s.lines.map { line in
            [line.caseID, String(line.threads)]
                + s.backends.map { b in
                    let m = line.medians[b]
                    if csv { return m.map { "\($0)" } ?? "" }
                    let (n, total) = (line.rounds[b] ?? 0, line.rows[b] ?? 0)
                    return (m.map { String(format: abs($0) >= 1000 ? "%.0f" : "%.4g", $0) } ?? "-") + (n < total ? " (\(n)/\(total))" : "")
                }
                + line.ratios.map { r in r.map { csv ? "\($0)" : fixed($0, 3) } ?? (csv ? "" : "-") }
        }
        switch format {
        case "csv":
            return ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n")
        case "markdown":
            let lines = [header, header.map { _ in "---" }] + rows.map { ["`\($0[0])`"] + $0.dropFirst() }
            return lines.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
        default:
            return "\(s.metric), median over \(s.files) file(s):\n"
                + ResultTable.align([header] + rows, rightAligned: Set(1..<header.count))
        }
    }

    static func csvField(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
