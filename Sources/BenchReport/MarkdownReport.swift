import BenchComparison
import BenchCore
import BenchModels
import BenchResults
import Foundation

/// `bench report --format markdown`: a short summary for CI job summaries.
public enum MarkdownReport {
    public static func render(_ input: ReportInput) -> String {
        var s = "## bench report\n\n"
        let rows = input.rows.filter { $0.status == .ok }
        if rows.isEmpty { s += "No `ok` rows in \(input.sets.map(\.path).joined(separator: ", ")).\n" }
        let ranking = Ranking(rows: rows)
        if !ranking.groups.isEmpty {
            s += "| case | cheapest per unit | $/M units | J/unit | fastest | throughput |\n|---|---|---|---|---|---|\n"
            for g in ranking.groups {
                let cheapest = g.entries.first { $0.row.usdPerMillionUnits != nil }?.row
                let fastest = g.entries.max { ($0.row.throughput ?? 0) < ($1.row.throughput ?? 0) }?.row
                let cost: String = cheapest?.usdPerMillionUnits.map(short) ?? "-"
                var speed = "-"
                if let f = fastest, let t = f.throughput { speed = short(t) + " " + f.throughputUnit }
                let cells: [String] = [
                    md("\(g.kernel) \(g.shape)"), md(name(cheapest)), cost,
                    cheapest?.energyJPerUnit.map {
                        short($0) + (cheapest?.energySource == .modeled ? " (modeled)" : "")
                    }
                        ?? "-",
                    md(name(fastest)), md(speed),
                ]
                s += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        if let baseline = input.baseline, let latest = input.chronological.last {
            let report = Comparator.compare(baseline, latest, options: ComparisonOptions())
            let regressed = report.rows.filter { $0.verdict == .regressed }
            s += "\n**Regressions** against \(md(baseline.path)): \(regressed.isEmpty ? "none" : "")\n"
            let limit = ReportLimits.standard.comparedRows
            for r in regressed.sorted(by: { abs($0.relativeChange ?? 0) > abs($1.relativeChange ?? 0) }).prefix(limit) {
                s +=
                    "- \(md(r.key.caseID)) on \(md(r.key.backend.rawValue)): \(r.relativeChange.map(fixedPercent) ?? "?") (\(md(r.evidence)))\n"
            }
            if regressed.count > limit {
                s +=
                    "- and \(regressed.count - limit) more (the largest \(limit) are listed; `bench compare` lists all)\n"
            }
        }
        return s + "\n_Modeled figures are computed from the catalog, not measured._\n"
    }

    static func name(_ r: ResultRow?) -> String {
        guard let r else { return "-" }
        return "\(r.backend) \(r.dtype)" + (r.backendKind == .modeled ? " (modeled)" : "")
    }

    /// Markdown-safe table text: pipes, backticks, markup and line breaks escaped.
    static func md(_ text: String) -> String {
        escapeHTML(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "\\`")
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "*", with: "\\*")
            .replacingOccurrences(of: "_", with: "\\_").replacingOccurrences(of: "[", with: "\\[")
    }
}
