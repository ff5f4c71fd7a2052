import ArgumentParser
import BenchCore
import BenchModels
import BenchResults
import BenchSession
import Foundation

/// `bench validate-model`: the modeled profiles against published measurements.
struct ValidateModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-model",
        abstract:
            "Reproduce every published point of the validation set with the modeled profiles and print the errors.",
        discussion: """
            Error = modeled throughput / published throughput − 1 (positive: the model is faster \
            than the hardware measured). The calibration / held-out split is fixed in the file; \
            docs/models.md has the table and the targets. Exit 1 with --check when a target is missed.
            """)

    @Option(help: "A validation-set file (JSON or YAML; default: the one shipped with bench).")
    var points: String?

    @Option(help: "A catalog file (JSON or YAML) that adds to or overrides the shipped one.")
    var catalog: String?

    @Option(
        name: .customLong("assume"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Change a modelling choice (repeatable), as in bench run.", valueName: "[PROFILE:]KEY=VALUE")
    )
    var assume: [String] = []

    @Option(help: "text (default), markdown (the table in docs/models.md) or csv.")
    var format: String = "text"

    @Flag(help: "Exit 1 when the held-out median or a device's held-out median misses its target.")
    var check = false

    func validate() throws {
        guard ["text", "markdown", "csv"].contains(format) else {
            throw ValidationError("--format takes text, markdown or csv (got '\(format)')")
        }
    }

    func run() throws {
        let assumptions: ModelAssumptions
        do { assumptions = try ModelAssumptions.parse(assume) } catch { throw UsageError("--assume: \(error)") }
        let catalog: Catalog
        do {
            catalog = try Catalog.load(overlay: self.catalog, assumptions: assumptions)
        } catch {
            throw UsageError("\(error)")
        }
        let validation: ModelValidation
        do {
            let set =
                try points.map { path throws(ValidationSetError) in try ValidationSet.load(path: path) } ?? .shipped()
            try set.validate(path: points ?? "validation.json", catalog: catalog)
            validation = try ModelValidation(set: set, catalog: catalog)
        } catch {
            throw UsageError("\(error)")
        }
        print(Self.render(validation, format: format, catalogVersion: catalog.catalogVersion), terminator: "")
        if check, !validation.failures.isEmpty {
            for line in validation.failures { printError("bench: check failed: \(line)") }
            throw ExitCode(1)
        }
    }

    static func percent(_ x: Double?) -> String {
        guard let x else { return "-" }
        return "\(x >= 0 ? "+" : "")\(fixed(x * 100, 1))%"
    }

    static func render(_ v: ModelValidation, format: String, catalogVersion: String) -> String {
        func figure(_ x: Double, _ unit: String) -> String {
            unit == "s" ? "\(fixed(x * 1e3, 3)) ms" : "\(fixed(x, 1)) TFLOP/s"
        }
        let header = ["point", "device", "split", "published", "modeled", "error"]
        let rows = v.results.map { r in
            [
                r.point.id, r.point.device, r.point.split, figure(r.point.published.value, r.point.published.unit),
                figure(r.modeled, r.point.published.unit), percent(r.error),
            ]
        }
        let median = { (x: Double?) in x.map { "\(fixed($0 * 100, 1))%" } ?? "-" }
        let summaryHeader = ["device", "points", "held-out", "median |error|", "held-out median |error|"]
        var summary = v.devices.map { d in
            [d.device, "\(d.points)", "\(d.heldOutPoints)", median(d.median), median(d.heldOutMedian)]
        }
        summary.append([
            "all", "\(v.results.count)", "\(v.results.filter { $0.point.split == "held-out" }.count)",
            median(v.median { _ in true }), median(v.heldOutMedian),
        ])
        let verdict =
            v.failures.isEmpty
            ? "targets met: held-out median ≤ \(fixed(ModelValidation.heldOutTarget * 100, 0))%, every device with ≥ \(ModelValidation.perDeviceMinimumPoints) held-out points ≤ \(fixed(ModelValidation.perDeviceTarget * 100, 0))%"
            : "targets missed: " + v.failures.joined(separator: "; ")
        switch format {
        case "csv":
            var out = "point,device,split,published,unit,modeled,error,source\n"
            for r in v.results {
                let p = r.point
                out +=
                    [
                        p.id, p.device, p.split, ResultSchema.format(p.published.value), p.published.unit,
                        "\(r.modeled)", "\(r.error)", "\"\(p.source.replacingOccurrences(of: "\"", with: "\"\""))\"",
                    ].joined(separator: ",") + "\n"
            }
            return out
        case "markdown":
            func table(_ h: [String], _ rs: [[String]]) -> String {
                let esc = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
                return ([h, h.map { _ in "---" }] + rs).map { "| " + $0.map(esc).joined(separator: " | ") + " |" }
                    .joined(separator: "\n") + "\n"
            }
            return "catalog \(catalogVersion)\n\n" + table(summaryHeader, summary) + "\n" + verdict + "\n\n"
                + table(header, rows)
        default:
            return "catalog \(catalogVersion)\n" + TextTable.render([header] + rows, rightAligned: [3, 4, 5]) + "\n"
                + TextTable.render([summaryHeader] + summary, rightAligned: [1, 2, 3, 4]) + "\n" + verdict + "\n"
        }
    }
}
