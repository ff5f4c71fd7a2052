import BenchCore
import BenchModels
import BenchResults

/// The tables `bench validate-model` prints: per point, device, source and regime, the fitted
/// parameters, and the verdict on the targets.
enum ValidationTables {
    static func percent(_ x: Double?) -> String {
        guard let x else { return "-" }
        return "\(x >= 0 ? "+" : "")\(fixed(x * 100, 1))%"
    }

    static func median(_ x: Double?) -> String { x.map { "\(fixed($0 * 100, 1))%" } ?? "-" }

    /// The fitted parameters, per device.
    static func fitted(_ fits: [ModelFit.DeviceFit]) -> String {
        var rows = [["device", "parameter", "fitted", "calibration sources", "loss"]]
        for f in fits {
            for (p, v) in f.fitted {
                rows.append([f.profile.id, p.label, plainNumber(v), "\(f.sources.count)", fixed(f.loss, 3)])
            }
        }
        return "fitted on the calibration sources:\n" + TextTable.render(rows, rightAligned: [2, 3, 4]) + "\n"
    }

    static func render(_ v: ModelValidation, format: String, catalogVersion: String) -> String {
        func figure(_ x: Double, _ unit: String) -> String {
            unit == "s" ? "\(fixed(x * 1e3, 3)) ms" : "\(fixed(x, 1)) TFLOP/s"
        }
        let header = [
            "point", "device", "source", "stack", "regime", "split", "published", "modeled", "error", "left-out error",
        ]
        let rows = v.results.map { r in
            [
                r.point.id, r.point.device, r.point.sourceId ?? "", r.point.stack ?? "", r.regime.rawValue,
                r.point.split, figure(r.point.published.value, r.point.published.unit),
                figure(r.modeled, r.point.published.unit), percent(r.error), percent(r.looError),
            ]
        }
        let deviceHeader = [
            "device", "points", "sources", "held-out", "median |error|", "held-out median", "left-out median",
        ]
        var devices = v.devices.map { d in
            [
                d.device, "\(d.points)", "\(d.sources)", "\(d.heldOutPoints)", median(d.median),
                median(d.heldOutMedian),
                median(d.looMedian),
            ]
        }
        devices.append([
            "all", "\(v.results.count)", "\(v.sources.count)",
            "\(v.results.filter { $0.point.split == "held-out" }.count)", median(v.median { _ in true }),
            median(v.heldOutMedian), median(v.looMedian()),
        ])
        let sourceHeader = [
            "source", "role", "devices", "stacks", "points", "median |error|", "left-out median", "left-out signed",
        ]
        let sources = v.sourceSummaries.map { s in
            [
                s.source.id, s.source.split, s.source.devices.joined(separator: " "),
                s.source.stacks.joined(separator: " "), "\(s.source.points)", median(s.median), median(s.looMedian),
                percent(s.looSigned),
            ]
        }
        let regimeHeader = ["class", "regime", "points", "sources", "left-out median |error|"]
        let regimes = v.looTable().map {
            [$0.cls.rawValue, $0.regime.rawValue, "\($0.points)", "\($0.sources)", median($0.median)]
        }
        var headline: [String] = []
        if let m = v.looMedian() { headline.append("leave-one-source-out median |error| \(median(m))") }
        if let c = v.coverage {
            headline.append(
                "80% intervals hold \(median(c.inside)) of \(c.predictions) left-out predictions, median half-width \(median(c.medianHalfWidth))"
            )
        }
        if let c = v.coverage {
            let classes = DeviceClass.allCases.compactMap { k in
                c.byClass[k].map { "\(k.rawValue) \($0.inside)/\($0.total)" }
            }
            let regimes = ModelRegime.allCases.compactMap { k in
                c.byRegime[k].map { "\(k.rawValue) \($0.inside)/\($0.total)" }
            }
            headline.append(
                "  inside, per class: \(classes.joined(separator: ", ")); per regime: \(regimes.joined(separator: ", "))"
            )
        }
        if let m = v.heldOutMedian { headline.append("held-out median |error| \(median(m))") }
        let verdict = v.failures.isEmpty ? "targets met" : "targets missed: " + v.failures.joined(separator: "; ")
        let summary = (headline + [verdict]).joined(separator: "\n") + "\n"
        switch format {
        case "csv":
            var out = "point,device,source_id,stack,regime,split,published,unit,modeled,error,loo_error,source\n"
            for r in v.results {
                let p = r.point
                out +=
                    [
                        p.id, p.device, p.sourceId ?? "", p.stack ?? "", r.regime.rawValue, p.split,
                        ResultSchema.format(p.published.value), p.published.unit, "\(r.modeled)", "\(r.error)",
                        r.looError.map { "\($0)" } ?? "",
                        "\"\(p.source.replacingOccurrences(of: "\"", with: "\"\""))\"",
                    ].joined(separator: ",") + "\n"
            }
            return out
        case "markdown":
            func table(_ h: [String], _ rs: [[String]]) -> String {
                let esc = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
                return ([h, h.map { _ in "---" }] + rs).map { "| " + $0.map(esc).joined(separator: " | ") + " |" }
                    .joined(separator: "\n") + "\n"
            }
            return "catalog \(catalogVersion)\n\n" + summary + "\n" + table(deviceHeader, devices) + "\n"
                + table(regimeHeader, regimes) + "\n" + table(sourceHeader, sources) + "\n"
                + "<details><summary>Every point</summary>\n\n" + table(header, rows) + "\n</details>\n"
        default:
            return "catalog \(catalogVersion)\n" + TextTable.render([header] + rows, rightAligned: [6, 7, 8, 9]) + "\n"
                + TextTable.render([sourceHeader] + sources, rightAligned: [4, 5, 6, 7]) + "\n"
                + TextTable.render([regimeHeader] + regimes, rightAligned: [2, 3, 4]) + "\n"
                + TextTable.render([deviceHeader] + devices, rightAligned: [1, 2, 3, 4, 5, 6]) + "\n" + summary
        }
    }
}
