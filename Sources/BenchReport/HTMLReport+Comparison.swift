import BenchComparison
import BenchCore
import BenchModels
import BenchResults
import Foundation

/// The comparison and history views: compare's verdicts against a baseline, and each run
/// against the one before.
extension HTMLReport {
    /// The interval of a change of the median time: the candidate's CI over the baseline's.
    static func interval(_ b: ResultRow?, _ c: ResultRow?) -> ClosedRange<Double>? {
        guard let b, let c, let bl = b.ciLowSeconds, let bh = b.ciHighSeconds,
            let cl = c.ciLowSeconds, let ch = c.ciHighSeconds, bl > 0, bh > 0, cl <= ch
        else { return nil }
        return (cl / bh - 1)...(ch / bl - 1)
    }

    static func comparison(
        _ report: ComparisonReport, baseline: ResultSet, candidate: ResultSet, limits: ReportLimits = .standard
    ) -> String {
        var s =
            "<h2 id=\"comparison\">Comparison with the baseline</h2>\n<p>\(escapeHTML(report.baselinePath)) → \(escapeHTML(report.candidatePath)), \(escapeHTML(report.metric.rawValue)); the verdicts of <code>bench compare</code> at its defaults. Each bar is a case's change; its whisker spans the change the two medians' 95% intervals allow.</p>\n"
        var rows = report.rows
        if rows.count > limits.comparedRows {
            // The worst first: by verdict, then by the size of the change.
            rows.sort { a, b in
                a.verdict != b.verdict ? a.verdict < b.verdict : abs(a.relativeChange ?? 0) > abs(b.relativeChange ?? 0)
            }
            rows = Array(rows.prefix(limits.comparedRows))
            var counts: [Verdict: Int] = [:]
            for r in report.rows { counts[r.verdict, default: 0] += 1 }
            let tally = Verdict.allCases.compactMap { v in counts[v].map { "\(v.rawValue) \($0)" } }
            s +=
                "<p class=\"left-out\">\(rows.count) of \(report.rows.count) compared rows shown, the worst first (verdict, then size of the change). All verdicts: \(escapeHTML(tally.joined(separator: ", "))); <code>bench compare</code> lists every row.</p>\n"
        }
        let baseRows = Dictionary(baseline.rows.map { ($0.key.withoutHost, $0) }, uniquingKeysWith: { a, _ in a })
        let candRows = Dictionary(candidate.rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let bars = rows.compactMap { r -> (String, Double, ClosedRange<Double>?, String)? in
            guard let change = r.relativeChange else { return nil }
            let range =
                report.metric == .medianSeconds ? interval(baseRows[r.key.withoutHost], candRows[r.key]) : nil
            return ("\(r.key.caseID) \(r.key.backend)", change, range, r.verdict.rawValue)
        }
        if !bars.isEmpty {
            s +=
                ChangeChart(id: "chart-compare", title: "Change of \(report.metric.rawValue) per case", bars: bars)
                .svg() + "\n"
        }
        s +=
            tableOpen(
                "table-compare",
                ["verdict", "case", "backend", "threads", "baseline", "candidate", "change", "threshold", "evidence"])
        for r in rows {
            s +=
                "<tr class=\"\(escapeHTML(r.verdict.rawValue))\"><td>\(escapeHTML(r.verdict.rawValue))</td><td>\(escapeHTML(r.key.caseID))</td><td>\(escapeHTML(r.key.backend.rawValue))</td><td>\(r.key.threads)</td>\(num(r.baseline))\(num(r.candidate))\(num(r.relativeChange, r.relativeChange.map(fixedPercent)))\(num(r.threshold, fixedPercent(r.threshold)))<td>\(escapeHTML([r.evidence, r.reason].filter { !$0.isEmpty }.joined(separator: "; ")))</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// Each run against the one before, on the runs' own measure: median seconds per call, or,
    /// when the latest run was counted (`bench run --measure counts`), estimated cycles per call
    /// (the counts gate's metric). Runs of the other measure are left out, and the page says so.
    static func history(_ all: [ResultSet], limits: ReportLimits = .standard) -> String {
        let counted = all.last?.isCounted ?? false
        let sets = all.filter { $0.isCounted == counted }
        var options = ComparisonOptions()
        if counted {
            options.metric = ComparisonOptions.countsMetric
            options.threshold = ComparisonOptions.countsThreshold
        }
        let runs = sets.map { String(($0.sidecar?.startedAt ?? $0.rows.first?.timestamp ?? "?").prefix(16)) }
        // Regressions where compare would flag them: each run against the one before.
        var flagged: [Int: Set<RowKey>] = [:]
        for i in sets.indices.dropFirst() {
            let report = Comparator.compare(sets[i - 1], sets[i], options: options)
            flagged[i] = Set(report.rows.filter { $0.verdict == .regressed }.map(\.key))
        }
        let what =
            counted
            ? "estimated cycles per call of each counted case (callgrind, <code>bench run --measure counts</code>)"
            : "median seconds per call of each measured case"
        let left = all.count - sets.count
        let leftOut =
            left == 0
            ? ""
            : " \(left) \(counted ? "timed" : "counted") run\(left == 1 ? " is" : "s are") left out: times and counts are not one scale."
        var s =
            "<h2 id=\"history\">History</h2>\n<p>\(sets.count) runs of one suite on one host, oldest first: \(what); a large red point is a regression <code>bench compare</code> flags against the run before.\(leftOut)</p>\n"
        let measured = sets.flatMap(\.rows).filter { $0.backendKind == .measured }
        let okRows = sets.map { set in
            Dictionary(set.rows.filter { $0.status == .ok }.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let everFlagged = flagged.values.reduce(into: Set<RowKey>()) { $0.formUnion($1) }
        for (n, group) in ReportData.groups(measured).enumerated() {
            var seen = Set<RowKey>()
            var keys = group.rows.map(\.key).filter { seen.insert($0).inserted }
            if keys.count > limits.seriesPerCase {
                // The series with a regression first, then in file order.
                let total = keys.count
                keys = Array(
                    (keys.filter { everFlagged.contains($0) } + keys.filter { !everFlagged.contains($0) })
                        .prefix(limits.seriesPerCase))
                s +=
                    "<p class=\"left-out\">\(escapeHTML(group.key)): \(keys.count) of \(total) series drawn, those with a regression first; the others are in the files.</p>\n"
            }
            let dtypes = Dictionary(group.rows.map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            let lines = keys.map { key -> (String, [Double?], [Bool]) in
                let values = okRows.map { rows in
                    rows[key].flatMap { counted ? $0.estimatedCycles : $0.medianSeconds }
                }
                let marks = sets.indices.map { flagged[$0]?.contains(key) ?? false }
                return ("\(key.backend) \(dtypes[key].map(\.rawValue) ?? "")", values, marks)
            }
            s +=
                HistoryChart(
                    id: "chart-history-\(n)", title: "History of \(group.key)", runs: runs, lines: lines,
                    unit: counted ? "est. cycles" : "s"
                ).svg()
                + "\n"
            s +=
                tableOpen("table-history-\(n)", ["series"] + runs)
            for line in lines {
                s +=
                    "<tr><td>\(escapeHTML(line.0))</td>"
                    + zip(line.1, line.2).map { v, bad in num(v, v.map { short($0) + (bad ? " (regressed)" : "") }) }
                    .joined() + "</tr>\n"
            }
            s += "</tbody></table>\n"
        }
        return s
    }
}
