import BenchCore
import BenchResults
import Foundation

/// The output formats of `bench compare`.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal, worst first (colored when asked).
    case table
    /// A GitHub-flavoured table to paste as a pull-request comment.
    case markdown
    /// Machine-readable, versioned (`"format_version": 1`).
    case json
    /// JUnit XML: one test case per matched row, a failure per regression.
    case junit
    /// Bencher Metric Format: the candidate's value of the compared metric per row, for
    /// bencher.dev's `json` adapter (``BencherMetricFormat``).
    case bmf

    /// Renders a report; `color` adds ANSI colors to the table.
    public func render(_ report: ComparisonReport, color: Bool = false) -> String {
        switch self {
        case .table: ReportRenderer.table(report, color: color)
        case .markdown: ReportRenderer.markdown(report)
        case .json: ReportRenderer.json(report)
        case .junit: ReportRenderer.junit(report)
        case .bmf: ReportRenderer.bmf(report)
        }
    }
}

enum ReportRenderer {
    /// The candidate side in BMF: one measure (the compared metric, in Bencher's unit) per
    /// row that has a candidate value; the verdicts stay bench's (Bencher applies its own).
    static func bmf(_ report: ComparisonReport) -> String {
        let (slug, scale) = BencherMetricFormat.measure(of: report.metric)
        var doc: [String: [String: BencherMetricFormat.Value]] = [:]
        let withHost = BencherMetricFormat.severalHosts(report.rows.map(\.key))
        for r in report.rows {
            guard let v = r.candidate else { continue }
            doc[BencherMetricFormat.benchmarkName(r.key, withHost: withHost)] = [
                slug: BencherMetricFormat.Value(v * scale)
            ]
        }
        return BencherMetricFormat.render(doc)
    }

    /// Rows sorted worst first: by verdict severity, then by slowdown (largest first).
    static func sorted(_ report: ComparisonReport) -> [RowComparison] {
        report.rows.enumerated().sorted { l, r in
            if l.element.verdict != r.element.verdict { return l.element.verdict < r.element.verdict }
            let a = l.element.slowdown ?? 0, b = r.element.slowdown ?? 0
            if a != b { return a > b }
            return l.offset < r.offset
        }.map(\.element)
    }

    /// Four significant digits (`%g` switches to an exponent for very large or small values).
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        return v == 0 ? "0" : String(format: "%.4g", v)
    }

    static func percent(_ v: Double?) -> String {
        guard let v else { return "-" }
        return String(format: "%+.1f%%", v * 100)
    }

    static func backendLabel(_ r: RowComparison) -> String {
        if let b = r.baselineBackend, b != r.key.backend { return "\(b)→\(r.key.backend)" }
        return r.key.backend.rawValue
    }

    static func detail(_ r: RowComparison) -> String {
        [r.evidence, r.reason].filter { !$0.isEmpty }.joined(separator: "; ")
    }

    static func summaryLines(_ report: ComparisonReport) -> [String] {
        report.summaries.map { s in
            let counts = Verdict.allCases.compactMap { v in s.counts[v].map { "\($0) \(v.rawValue)" } }.joined(
                separator: ", ")
            let geo = s.geometricMeanRatio.map { String(format: "%.4f", $0) } ?? "-"
            return "\(s.backend): \(counts); geometric mean candidate/baseline \(report.metric) = \(geo)"
        }
    }

    static func table(_ report: ComparisonReport, color: Bool) -> String {
        var rows: [[String]] = [
            ["verdict", "case", "backend", "threads", "baseline", "candidate", "change", "threshold", "evidence"]
        ]
        var verdicts: [Verdict?] = [nil]
        for r in sorted(report) {
            rows.append([
                r.verdict.rawValue, r.key.caseID, backendLabel(r), String(r.key.threads), number(r.baseline),
                number(r.candidate), percent(r.relativeChange), String(format: "%.1f%%", r.threshold * 100), detail(r),
            ])
            verdicts.append(r.verdict)
        }
        var lines = TextTable.lines(rows, rightAligned: [4, 5, 6, 7]).enumerated().map { index, line in
            guard color, let v = verdicts[index] else { return line }
            switch v {
            case .regressed, .modelChanged: return "\u{1B}[31m\(line)\u{1B}[0m"
            case .improved: return "\u{1B}[32m\(line)\u{1B}[0m"
            case .inconclusive, .noisy, .notComparable: return "\u{1B}[33m\(line)\u{1B}[0m"
            default: return line
            }
        }
        lines.insert(
            "metric: \(report.metric) (\(report.metric.higherIsBetter ? "higher" : "lower") is better); baseline \(report.baselinePath), candidate \(report.candidatePath)",
            at: 0)
        lines += report.notes.map { "note: \($0)" }
        lines += summaryLines(report)
        return lines.joined(separator: "\n")
    }

    static func markdown(_ report: ComparisonReport) -> String {
        let cell = MarkdownText.escaped
        var out = [
            "### bench compare: `\(report.metric)` (\(report.metric.higherIsBetter ? "higher" : "lower") is better)",
            "",
        ]
        let regressions = report.count(.regressed)
        out.append(regressions > 0 ? "**\(regressions) regression\(regressions == 1 ? "" : "s")**" : "No regression.")
        out.append("")
        out.append("| verdict | case | backend | threads | baseline | candidate | change | threshold | evidence |")
        out.append("|---|---|---|---:|---:|---:|---:|---:|---|")
        for r in sorted(report) {
            out.append(
                "| \(r.verdict.rawValue) | \(MarkdownText.code(r.key.caseID)) | \(cell(backendLabel(r))) | \(r.key.threads) | \(number(r.baseline)) | \(number(r.candidate)) | \(percent(r.relativeChange)) | \(String(format: "%.1f%%", r.threshold * 100)) | \(cell(detail(r))) |"
            )
        }
        out.append("")
        out += summaryLines(report).map { "- \(cell($0))" }
        out += report.notes.map { "- note: \(cell($0))" }
        return out.joined(separator: "\n")
    }

    static func json(_ report: ComparisonReport) -> String {
        // Encodable rows (JSONSerialization of dictionaries took half of a 400,000-row compare);
        // a non-finite number (JSON has none) is written as null, never an empty document.
        let document = JSONReport(
            formatVersion: 1, metric: report.metric.rawValue, higherIsBetter: report.metric.higherIsBetter,
            baseline: report.baselinePath, candidate: report.candidatePath, notes: report.notes,
            regressions: report.count(.regressed),
            rows: sorted(report).map { r in
                JSONReport.Row(
                    suite: r.key.suite, caseID: r.key.caseID, backend: r.key.backend.rawValue,
                    baselineBackend: r.baselineBackend?.rawValue, threads: r.key.threads, baseline: r.baseline,
                    candidate: r.candidate, relativeChange: r.relativeChange, threshold: r.threshold,
                    verdict: r.verdict.rawValue, evidence: r.evidence, reason: r.reason)
            },
            summaries: report.summaries.map { s in
                JSONReport.Summary(
                    backend: s.backend.rawValue,
                    counts: Dictionary(uniqueKeysWithValues: s.counts.map { ($0.key.rawValue, $0.value) }),
                    geometricMeanRatio: s.geometricMeanRatio)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return String(decoding: try encoder.encode(document), as: UTF8.self)
        } catch {
            // Every number is finite or null, so this is a programming error.
            preconditionFailure("compare's JSON could not be encoded: \(error)")
        }
    }

    static func junit(_ report: ComparisonReport) -> String {
        func esc(_ s: String) -> String {
            // XML 1.0 allows no control character but tab, LF and CR: others become U+FFFD.
            let legal = String(
                String.UnicodeScalarView(
                    s.unicodeScalars.map { c in
                        c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" || (0xFFFE...0xFFFF).contains(c.value)
                            ? "\u{FFFD}" : c
                    }))
            return legal.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
                .replacingOccurrences(of: "'", with: "&apos;")
        }
        let failures = report.rows.filter { $0.verdict == .regressed || $0.verdict == .modelChanged }.count
        let skipped = report.rows.filter {
            [.missing, .new, .notComparable, .inconclusive, .noisy].contains($0.verdict)
        }.count
        var out = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"bench compare\" tests=\"\(report.rows.count)\" failures=\"\(failures)\">",
            "  <testsuite name=\"bench compare \(esc(report.metric.rawValue))\" tests=\"\(report.rows.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">",
        ]
        for r in report.rows {
            let name = "\(r.key.caseID) [\(backendLabel(r)), threads=\(r.key.threads)]"
            let message =
                "\(r.verdict.rawValue): \(report.metric) \(number(r.baseline)) → \(number(r.candidate)) (\(percent(r.relativeChange)), threshold \(String(format: "%.1f%%", r.threshold * 100))) \(detail(r))"
            out.append("    <testcase classname=\"\(esc(r.key.suite))\" name=\"\(esc(name))\">")
            switch r.verdict {
            case .regressed, .modelChanged:
                out.append("      <failure type=\"\(r.verdict.rawValue)\" message=\"\(esc(message))\"/>")
            case .missing, .new, .notComparable, .inconclusive, .noisy:
                out.append("      <skipped message=\"\(esc(message))\"/>")
            default:
                out.append("      <system-out>\(esc(message))</system-out>")
            }
            out.append("    </testcase>")
        }
        out.append("  </testsuite>")
        out.append("</testsuites>")
        return out.joined(separator: "\n")
    }
}

/// Text placed into Markdown (GitHub-flavoured): nothing a field holds can close its table
/// cell or code span, or become HTML, a link or emphasis.
public enum MarkdownText {
    /// A table cell's text: `|` and the characters that open HTML, code, emphasis or links
    /// are escaped, and line breaks become spaces.
    public static func escaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "|", "`", "*", "[", "]", "\\": out += "\\\(c)"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r": out += " "
            default: out.append(c)
            }
        }
        return out
    }

    /// A code span holding `s` verbatim: fenced by more backticks than any run inside it
    /// (CommonMark), `|` escaped for the table, line breaks as spaces.
    public static func code(_ s: String) -> String {
        var longest = 0, run = 0
        for c in s {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let body = s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ")
        let pad = body.first == "`" || body.last == "`" ? " " : ""
        return fence + pad + body + pad + fence
    }
}
