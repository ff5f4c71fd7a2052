import BenchComparison
import BenchCore
import BenchModels
import BenchResults
import Foundation

/// The comparison and history views: compare's verdicts against a baseline, and each run
/// against the one before.
extension HTMLReport {
    /// The interval of a change of the median time: the candidate's CI over the baseline's.
    static func interval(_ key: RowKey, baseline: ResultSet, candidate: ResultSet) -> ClosedRange<Double>? {
        guard let b = baseline.rows.first(where: { $0.key.withoutHost == key.withoutHost }),
            let c = candidate.rows.first(where: { $0.key == key }), let bl = b.ciLowSeconds, let bh = b.ciHighSeconds,
            let cl = c.ciLowSeconds, let ch = c.ciHighSeconds, bl > 0, bh > 0, cl <= ch
        else { return nil }
        return (cl / bh - 1)...(ch / bl - 1)
    }

    static func comparison(_ report: ComparisonReport, baseline: ResultSet, candidate: ResultSet) -> String {
        var s =
            "<h2 id=\"comparison\">Comparison with the baseline</h2>\n<p>\(escapeHTML(report.baselinePath)) → \(escapeHTML(report.candidatePath)), \(escapeHTML(report.metric.rawValue)); the verdicts of <code>bench compare</code> at its defaults. Each bar is a case's change; its whisker spans the change the two medians' 95% intervals allow.</p>\n"
        let bars = report.rows.compactMap { r -> (String, Double, ClosedRange<Double>?, String)? in
            guard let change = r.relativeChange else { return nil }
            let range =
                report.metric == .medianSeconds ? interval(r.key, baseline: baseline, candidate: candidate) : nil
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
        for r in report.rows {
            s +=
                "<tr class=\"\(escapeHTML(r.verdict.rawValue))\"><td>\(escapeHTML(r.verdict.rawValue))</td><td>\(escapeHTML(r.key.caseID))</td><td>\(escapeHTML(r.key.backend.rawValue))</td><td>\(r.key.threads)</td>\(num(r.baseline))\(num(r.candidate))\(num(r.relativeChange, r.relativeChange.map(fixedPercent)))\(num(r.threshold, fixedPercent(r.threshold)))<td>\(escapeHTML([r.evidence, r.reason].filter { !$0.isEmpty }.joined(separator: "; ")))</td></tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// Each run against the one before, on the runs' own measure: median seconds per call, or,
    /// when the latest run was counted (`bench run --measure counts`), estimated cycles per call
    /// (the counts gate's metric). Runs of the other measure are left out, and the page says so.
    static func history(_ all: [ResultSet]) -> String {
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
        for (n, group) in ReportData.groups(measured).enumerated() {
            let keys = group.rows.reduce(into: [RowKey]()) { if !$0.contains($1.key) { $0.append($1.key) } }
            let dtypes = Dictionary(group.rows.map { ($0.key, $0.dtype) }, uniquingKeysWith: { a, _ in a })
            let lines = keys.map { key -> (String, [Double?], [Bool]) in
                let values = sets.map { set in
                    set.rows.first { $0.key == key && $0.status == .ok }.flatMap {
                        counted ? $0.estimatedCycles : $0.medianSeconds
                    }
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
