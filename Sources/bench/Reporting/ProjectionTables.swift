import BenchCore
import BenchProjection
import Foundation

/// `bench project`'s output: an aligned table, markdown, CSV or JSON (docs/project.md#output).
enum ProjectionTables {
    static func render(_ r: ProjectionReport, format: String) throws -> String {
        switch format {
        case "json":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(r), let text = String(data: data, encoding: .utf8) else {
                throw UsageError("the projection has a number JSON cannot hold")
            }
            return text + "\n"
        case "csv": return r.csv()
        default: return table(r, markdown: format == "markdown")
        }
    }

    static func header(_ r: ProjectionReport) -> String {
        let m = r.model
        let params = m.parameters >= 1e9 ? "\(sig(m.parameters / 1e9))B" : "\(sig(m.parameters / 1e6))M"
        return
            "\(m.name): \(params) parameters (\(m.layers) layers, D=\(m.hidden), \(m.heads)/\(m.kvHeads) heads, FFN \(m.ffn), vocab \(m.vocab)); \(plainNumber(r.tokens)) tokens at S=\(r.sequence), \(r.globalBatchSequences) sequences per step, \(r.dtype); catalog \(r.catalogVersion)\(r.assumptions.isEmpty ? "" : "; --assume \(r.assumptions.joined(separator: ", "))")"
    }

    static func table(_ r: ProjectionReport, markdown: Bool) -> String {
        let head = [
            "rank", "instance", "devices", "layout", "step s", "compute/comm/bubble/opt s", "tokens/s", "MFU",
            "$/M tokens (80%)", "days (80%)", "$ total", "memory GiB", "notes",
        ]
        var rows: [[String]] = []
        func n(_ v: Double?, _ d: Int = 2) -> String { v.map { fixed($0, d) } ?? "—" }
        func big(_ v: Double?) -> String {
            guard let v else { return "—" }
            return v >= 1e6 ? "\(fixed(v / 1e6, 2))M" : (v >= 1e3 ? "\(fixed(v / 1e3, 1))k" : fixed(v, 0))
        }
        for x in r.rows {
            let parts = [x.computeSeconds, x.communicationSeconds, x.bubbleSeconds, x.optimizerSeconds].map { n($0, 3) }
            let range: (Double?, Double?) -> String = { lo, hi in
                guard let lo, let hi else { return "" }
                return " [\(sig(lo))–\(sig(hi))]"
            }
            rows.append([
                x.rank, "\(x.instance) ×\(x.nodes)", "\(x.devices)", x.layout ?? "—", n(x.stepSeconds, 3),
                x.layout == nil ? "—" : parts.joined(separator: "/"), big(x.tokensPerSecond),
                x.mfu.map { "\(fixed($0 * 100, 1))%" } ?? "—",
                x.usdPerMillionTokens.map { sig($0) + range(x.usdPerMillionTokensLow, x.usdPerMillionTokensHigh) }
                    ?? "—",
                x.days.map { sig($0) + range(x.daysLow, x.daysHigh) } ?? "—",
                x.usdTotal.map { "$" + big($0) } ?? "—",
                x.memoryNeededGiB.map { "\(fixed($0, 1)) of \(fixed(x.memoryCapacityGiB ?? 0, 1))" } ?? "—",
                x.notes,
            ])
        }
        var out = header(r) + "\n\n"
        if markdown {
            out +=
                "| " + head.joined(separator: " | ") + " |\n|" + head.map { _ in "---" }.joined(separator: "|") + "|\n"
            for row in rows {
                out +=
                    "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
            }
        } else {
            let widths = head.indices.dropLast().map { i in max(head[i].count, rows.map { $0[i].count }.max() ?? 0) }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, c in
                    i < widths.count ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : c
                }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            out += line(head) + "\n"
            for row in rows { out += line(row) + "\n" }
        }
        out +=
            "\nProjections (docs/project.md), ranked by $ per million tokens; rows whose 80% cost intervals overlap share a rank (=). The intervals are the job validation's leave-one-source-out errors (bench validate-model --kind job), for modeled compute only.\n"
        return out
    }

    /// Three significant digits (whole numbers from 1000 up).
    static func sig(_ v: Double) -> String {
        guard v.isFinite, v != 0 else { return fixed(v, 0) }
        let digits = max(0, 2 - Int(floor(log10(abs(v)))))
        return fixed(v, min(digits, 6))
    }
}
