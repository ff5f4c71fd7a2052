import BenchComparison
import BenchCore
import BenchModels
import BenchResults
import Foundation

/// `bench report`: one self-contained HTML page (no network, no script) with inline SVG charts
/// and, under every chart, a table with the same numbers (docs/report.md).
public enum HTMLReport {
    public static func render(_ input: ReportInput, generatedAt: String, limits: ReportLimits = .standard) -> String {
        let rows = input.rows
        let multiHost = Set(rows.map(\.host).filter { !$0.isEmpty }).count > 1
        var body = ""
        body +=
            "<h1>bench report</h1>\n<p class=\"meta\">\(escapeHTML(input.sets.map(\.path).joined(separator: ", "))) · generated \(escapeHTML(generatedAt))</p>\n"
        body +=
            "<p class=\"note\">Modeled rows (hollow squares, “modeled”) are computed from the catalog's specs and documented assumptions (docs/models.md), not measured. Their whiskers span the model's 80% prediction interval, from its leave-one-source-out error on published measurements (docs/models.md#intervals). Measured rows are filled circles, with their 95% confidence interval as whiskers.</p>\n"
        let okCount = rows.filter { $0.status == .ok }.count
        if okCount == 0 {
            body +=
                "<p id=\"no-ok-rows\" class=\"warning\">These files have no <code>ok</code> rows: nothing to chart. Statuses: \(escapeHTML(Dictionary(grouping: rows, by: \.status.rawValue).map { "\($0.key) \($0.value.count)" }.sorted().joined(separator: ", ")))</p>\n"
        }
        body += pricePerformance(rows, multiHost: multiHost, limits: limits)
        body += roofline(rows, input: input, limits: limits)
        if let baseline = input.baseline, let latest = input.chronological.last {
            body += comparison(
                Comparator.compare(baseline, latest, options: ComparisonOptions()), baseline: baseline,
                candidate: latest, limits: limits)
        }
        if input.isHistory { body += history(input.chronological, limits: limits) }
        body += environment(input)
        return page(body)
    }

    static func page(_ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>bench report</title>
        <style>
        :root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #666; --grid: #ddd; --area: #fafafa; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --bg: #161616; --muted: #aaa; --grid: #3a3a3a; --area: #1e1e1e; } }
        body { font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2em auto; max-width: 70em; padding: 0 1em; }
        h1, h2, h3 { font-weight: 600; } .meta, .note { color: var(--muted); }
        .warning { color: #b00020; }
        svg.chart { width: 100%; max-width: 700px; height: auto; display: block; }
        svg text { fill: var(--fg); font-size: 11px; } svg .label { font-size: 12px; }
        svg .plot-area { fill: var(--area); stroke: var(--grid); } svg .grid, svg .axis { stroke: var(--grid); }
        svg .frontier { fill: none; stroke: #888; stroke-width: 2; stroke-dasharray: 6 4; }
        svg .ceiling { fill: none; stroke: var(--muted); stroke-width: 1.5; } svg .ceiling-label { fill: var(--muted); }
        svg .history { fill: none; stroke-width: 1.5; } svg .regressed { stroke: #b00020; stroke-width: 2; }
        svg .bar.regressed { fill: #d62728; } svg .bar.improved { fill: #2ca02c; } svg .bar { fill: #9e9e9e; }
        svg .whisker { stroke: var(--muted); stroke-width: 1.2; }
        table { border-collapse: collapse; margin: .5em 0 2em; font-size: 13px; }
        th, td { border-bottom: 1px solid var(--grid); padding: 2px 8px; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        section { break-inside: avoid; }
        @media print { body { max-width: none; } svg text { fill: #000; } }
        </style></head>
        <body>
        \(body)
        </body></html>

        """
    }

    /// The opening of a table with an id and escaped column headers, up to its body.
    static func tableOpen(_ id: String, _ headers: [String]) -> String {
        "<table id=\"\(escapeHTML(id))\"><thead><tr>" + headers.map { "<th>\(escapeHTML($0))</th>" }.joined()
            + "</tr></thead><tbody>\n"
    }

    static func num(_ x: Double?, _ text: String? = nil) -> String {
        guard let x, x.isFinite else { return "<td class=\"num\">-</td>" }
        return "<td class=\"num\" data-value=\"\(x)\">\(escapeHTML(text ?? short(x)))</td>"
    }

    static func pricePerformance(_ rows: [ResultRow], multiHost: Bool, limits: ReportLimits) -> String {
        var s =
            "<h2 id=\"price-performance\">Price-performance</h2>\n<p>Throughput (x) against dollars per million units of work (y), both logarithmic, per case; lower right is better. The dashed line joins the Pareto frontier: points no other point beats on both.</p>\n"
        for (n, group) in ReportData.groups(rows).enumerated() {
            let (all, unpriced) = ReportData.pricePoints(group.rows, multiHost: multiHost)
            guard !all.isEmpty || !unpriced.isEmpty else { continue }
            let points = ReportData.shown(all, limit: limits.pointsPerCase)
            let unit = group.rows.first?.throughputUnit ?? "calls/s"
            let plot = points.map { p -> PlotPoint in
                let w = ReportData.whiskers(p.row, throughput: p.throughput, cost: p.cost)
                return PlotPoint(
                    x: p.throughput, y: p.cost, series: p.label, hollow: p.row.backendKind == .modeled,
                    xRange: w?.0, yRange: w?.1,
                    title:
                        "\(p.label) (\(p.row.backendKind.rawValue)): \(short(p.throughput)) \(unit), $\(short(p.cost)) per million units"
                )
            }
            let frontier = all.filter(\.onFrontier).sorted { $0.throughput < $1.throughput }.map {
                ($0.throughput, $0.cost)
            }
            s += "<section id=\"case-\(n)\">\n<h3>\(escapeHTML(group.key))</h3>\n"
            if !points.isEmpty {
                s +=
                    ScatterChart(
                        id: "chart-price-\(n)", title: "Price-performance of \(group.key)",
                        xLabel: "throughput (\(unit))",
                        yLabel: "$ per million units", points: plot, frontier: frontier
                    ).svg() + "\n"
            }
            s +=
                tableOpen(
                    "table-price-\(n)",
                    [
                        "backend", "host", "dtype", "kind", "throughput (\(unit))", "$ per million units", "frontier",
                        "device", "J per unit",
                    ])
            for p in points.sorted(by: { $0.cost < $1.cost }) {
                s +=
                    "<tr class=\"price-row\" data-case=\"\(escapeHTML(p.row.caseID))\" data-backend=\"\(escapeHTML(p.row.backend.rawValue))\" data-host=\"\(escapeHTML(p.row.host))\"><td>\(escapeHTML(p.row.backend.rawValue))</td><td>\(escapeHTML(p.row.host))</td><td>\(escapeHTML(p.row.dtype.rawValue))</td><td>\(p.row.backendKind.rawValue)</td>\(num(p.throughput))\(num(p.cost))<td>\(p.onFrontier ? "yes" : "")</td><td>\(escapeHTML(p.row.device))</td>\(num(p.row.energyJPerUnit, p.row.energyJPerUnit.map { short($0) + (p.row.energySource == .modeled ? " (modeled)" : "") }))</tr>\n"
            }
            s += "</tbody></table>\n"
            if points.count < all.count {
                s +=
                    "<p class=\"left-out\">\(points.count) of \(all.count) priced rows shown: the Pareto frontier\(all.filter(\.onFrontier).count > points.count ? " (thinned evenly)" : ""), then the cheapest and the fastest. The other \(all.count - points.count) are in the CSV (<code>bench summarize</code> lists every row).</p>\n"
            }
            if !unpriced.isEmpty {
                let listed = unpriced.prefix(limits.namesListed).map {
                    escapeHTML(
                        "\($0.backend)\($0.host.isEmpty ? "" : " @ \($0.host)") \($0.dtype) (\(short($0.throughput ?? 0)) \(unit))"
                    )
                }
                let more = unpriced.count - listed.count
                s +=
                    "<p class=\"unpriced\">Not priced, so not charted: "
                    + listed.joined(separator: "; ") + (more > 0 ? "; and \(more) more rows" : "")
                    + " — a measured row has a price only with <code>--host-instance NAME|auto</code> or <code>--host-price USD</code>.</p>\n"
            }
            s += "</section>\n"
        }
        return s
    }

    static func roofline(_ rows: [ResultRow], input: ReportInput, limits: ReportLimits) -> String {
        var s =
            "<h2 id=\"roofline\">Roofline</h2>\n<p>Arithmetic intensity (FLOPs per byte moved, x) against achieved TFLOP/s (y), per device: each kernel a point under the device's compute ceiling per dtype and its memory-bandwidth slope. A point far below both is overhead- or latency-bound.</p>\n"
        var devices: [(String, [ResultRow])] = []
        var position: [String: Int] = [:]
        for r in rows where r.status == .ok && r.bytes > 0 && (r.tflops ?? 0) > 0 {
            let key = "\(r.backend)\(r.host.isEmpty ? "" : " @ \(r.host)")"
            if let i = position[key] {
                devices[i].1.append(r)
            } else {
                position[key] = devices.count
                devices.append((key, [r]))
            }
        }
        if devices.count > limits.devices {
            let left = devices[limits.devices...]
            s +=
                "<p class=\"left-out\">The first \(limits.devices) of \(devices.count) devices are drawn, in file order; the other \(left.count) (\(escapeHTML(left.prefix(limits.namesListed).map(\.0).joined(separator: ", ")))\(left.count > limits.namesListed ? ", …" : "")) are in the CSV.</p>\n"
            devices = Array(devices.prefix(limits.devices))
        }
        for (n, (device, drows)) in devices.enumerated() {
            let first = drows[0]
            let roof = ReportData.roof(
                for: first.backend, kind: first.backendKind, sets: input.sets, catalog: input.catalog,
                threads: first.threads)
            let ai = drows.map { $0.flops / $0.bytes }
            let (lo, hi) = ((ai.min() ?? 1) / 4, (ai.max() ?? 1) * 4)
            var ceilings: [(String, [(Double, Double)])] = []
            if let roof {
                for dtype in Set(drows.map(\.dtype)).sorted() {
                    guard let p = roof.peaks[dtype], p > 0 else { continue }
                    if let bw = roof.bandwidth, bw > 0 {
                        let ridge = p / bw
                        let start = min(lo, ridge / 4)
                        ceilings.append(
                            (
                                "\(dtype) \(short(p / 1e12)) TFLOP/s, \(short(bw / 1e9)) GB/s",
                                [(start, start * bw / 1e12), (ridge, p / 1e12), (max(hi, ridge * 4), p / 1e12)]
                            ))
                    } else {
                        ceilings.append(("\(dtype) \(short(p / 1e12)) TFLOP/s", [(lo, p / 1e12), (hi, p / 1e12)]))
                    }
                }
            }
            let points = drows.map { r in
                PlotPoint(
                    x: r.flops / r.bytes, y: r.tflops ?? 0, series: "\(r.dtype)", hollow: r.backendKind == .modeled,
                    xRange: nil, yRange: nil,
                    title:
                        "\(r.caseID): \(short(r.flops / r.bytes)) FLOP/B, \(short(r.tflops ?? 0)) TFLOP/s\(r.bound.map { ", \($0.rawValue)-bound" } ?? "")"
                )
            }
            s +=
                "<section id=\"device-\(n)\">\n<h3>\(escapeHTML(device))\(roof.map { escapeHTML(" — \($0.name) (\($0.source))") } ?? " — no roof known (a plugin, or a file without the run's peak)")</h3>\n"
            s +=
                ScatterChart(
                    id: "chart-roofline-\(n)", title: "Roofline of \(device)",
                    xLabel: "arithmetic intensity (FLOP/byte)",
                    yLabel: "TFLOP/s", points: points, ceilings: ceilings
                ).svg() + "\n"
            s +=
                tableOpen("table-roofline-\(n)", ["case", "dtype", "FLOP/byte", "TFLOP/s", "% of roof", "bound"])
            for r in drows {
                let intensity = r.flops / r.bytes
                let roofAt = roof.flatMap { roof in
                    roof.peaks[r.dtype].map { p in min(p, roof.bandwidth.map { intensity * $0 } ?? p) }
                }
                let share = roofAt.map { (r.tflops ?? 0) * 1e12 / $0 }
                s +=
                    "<tr><td>\(escapeHTML(r.caseID))</td><td>\(escapeHTML(r.dtype.rawValue))</td>\(num(intensity))\(num(r.tflops))\(num(share, share.map { String(format: "%.1f%%", $0 * 100) }))<td>\(escapeHTML(r.bound?.rawValue ?? ""))</td></tr>\n"
            }
            s += "</tbody></table>\n</section>\n"
        }
        return s
    }

    static func environment(_ input: ReportInput) -> String {
        var s =
            "<h2 id=\"environment\">Environment</h2>\n"
            + tableOpen(
                "table-environment",
                ["file", "suite", "started", "hosts", "CPU", "ISA, kernels", "BLAS core", "catalog", "bench"])
        for set in input.sets + (input.baseline.map { [$0] } ?? []) {
            let e = set.sidecar?.environment
            let hosts = Set(set.rows.map(\.host).filter { !$0.isEmpty }).sorted()
            let catalogs = Set(set.rows.compactMap(\.catalogVersion)).sorted()
            var cells: [String] = [set.path, set.sidecar?.suite ?? "", set.sidecar?.startedAt ?? ""]
            cells.append(hosts.isEmpty ? "(one host, before revision 1.5)" : hosts.joined(separator: ", "))
            if let e {
                cells += [
                    "\(e.cpuModel), \(e.logicalCores) cores", "\(e.compiledISA); \(e.kernelVariant)",
                    e.blas?.coreName ?? "",
                ]
            } else {
                cells += ["no sidecar", "", ""]
            }
            cells.append(catalogs.joined(separator: ", "))
            cells.append(e.map { "\($0.harnessVersion) \($0.gitCommit)" } ?? "")
            s += "<tr>" + cells.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>\n"
        }
        return s
            + "</tbody></table>\n<p class=\"note\">Modeled figures are computed from the catalog, not measured; each modeled row's notes name its sources.</p>\n"
    }
}
