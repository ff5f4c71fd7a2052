import ArgumentParser
import BenchCore
import BenchModels
import BenchProjection
import BenchResults
import Foundation

extension ValidateModelCommand {
    /// `--kind job`: every published training job through `bench project`'s step model.
    func runJobs(catalog: Catalog) throws {
        let validation: JobValidation
        do {
            let jobs =
                try points.map { path throws(ProjectionError) in try JobValidation.load(path: path) }
                ?? JobValidation.shipped()
            let kernelSet = noCrossValidation ? nil : try ValidationSet.shipped()
            validation = try JobValidation(
                set: jobs, catalog: catalog, presets: try ModelPresets.shipped(), kernelSet: kernelSet)
        } catch {
            throw UsageError("\(error)")
        }
        print(
            JobValidationTables.render(validation, format: format, catalogVersion: catalog.catalogVersion),
            terminator: "")
        if let dir = intervalsOut {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw UsageError("--intervals-out: '\(dir)' is not a directory")
            }
            let table = JobErrorTable(results: validation.results, catalogVersion: catalog.catalogVersion)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                try OutputFile.write(try encoder.encode(table) + Data("\n".utf8), to: "\(dir)/job-error.json")
            } catch let e as ResultFileError {
                throw UsageError("\(e)")
            }
            printError("bench: wrote \(dir)/job-error.json")
        }
        if check, let m = JobValidationTables.medianLOO(validation), m > JobValidationTables.target {
            printError("bench: check failed: job leave-one-source-out median |error| \(fixed(m * 100, 1))% > 20%")
            throw ExitCode(1)
        }
    }
}

/// The job validation's tables: per point, per source and per device.
enum JobValidationTables {
    static let target = 0.20

    static func medianLOO(_ v: JobValidation) -> Double? {
        let xs = v.results.compactMap(\.looError).map(abs).sorted()
        guard !xs.isEmpty else { return nil }
        let n = xs.count
        return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.map(abs).sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func absPct(_ v: Double) -> String { v.isFinite ? fixed(v * 100, 1) + "%" : "—" }

    static func pct(_ v: Double?) -> String { v.map { (($0 >= 0 ? "+" : "") + fixed($0 * 100, 1)) + "%" } ?? "—" }

    static func render(_ v: JobValidation, format: String, catalogVersion: String) -> String {
        let md = format == "markdown"
        if format == "csv" {
            var out =
                "id,device,source_id,split,published_tokens_per_s_per_device,modeled_tokens_per_s_per_device,error,loo_error,fits\n"
            for r in v.results {
                out +=
                    "\(r.point.id),\(r.point.device),\(r.point.sourceId),\(r.point.split),\(r.point.published.value),\(r.modeled),\(r.error),\(r.looError.map { "\($0)" } ?? ""),\(r.fits)\n"
            }
            return out
        }
        func table(_ head: [String], _ rows: [[String]]) -> String {
            if md {
                return "| " + head.joined(separator: " | ") + " |\n|" + head.map { _ in "---" }.joined(separator: "|")
                    + "|\n" + rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n") + "\n"
            }
            let widths = head.indices.map { i in max(head[i].count, rows.map { $0[i].count }.max() ?? 0) }
            func line(_ c: [String]) -> String {
                c.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                    separator: "  ")
            }
            return ([line(head)] + rows.map(line)).joined(separator: "\n") + "\n"
        }
        var out = ""
        let sources = Set(v.results.map(\.point.sourceId)).count
        let devices = Set(v.results.map(\.point.device)).count
        out +=
            "Job validation (catalog \(catalogVersion)): \(v.results.count) points from \(sources) sources on \(devices) device types; error = modeled ÷ published tokens/s − 1. No parameter is fitted on job points; leave-one-source-out refits the kernel model without each source's related kernel sources.\n\n"
        out += table(
            ["point", "device", "source", "layout", "published tok/s/dev", "modeled", "error", "left out", "fits"],
            v.results.map { r in
                let l = r.point.layout
                return [
                    r.point.id, r.point.device, r.point.sourceId,
                    "\(l.devices)× tp\(l.tp) pp\(l.pp) dp\(l.dp)\((l.cp ?? 1) > 1 ? " cp\(l.cp!)" : "")",
                    fixed(r.point.published.value, 0), fixed(r.modeled, 0), pct(r.error), pct(r.looError),
                    r.fits ? "yes" : "no",
                ]
            })
        out += "\n"
        let bySource = Dictionary(grouping: v.results, by: \.point.sourceId).sorted { $0.key < $1.key }
        out += table(
            ["source", "split", "points", "median abs. error", "left-out median abs. error"],
            bySource.map { s, rs in
                [
                    s, rs[0].point.split, "\(rs.count)", absPct(median(rs.map(\.error))),
                    absPct(median(rs.compactMap(\.looError))),
                ]
            })
        out += "\n"
        let byDevice = Dictionary(grouping: v.results, by: \.point.device).sorted { $0.key < $1.key }
        out += table(
            ["device", "points", "sources", "left-out median abs. error"],
            byDevice.map { d, rs in
                [d, "\(rs.count)", "\(Set(rs.map(\.point.sourceId)).count)", absPct(median(rs.compactMap(\.looError)))]
            })
        if let m = medianLOO(v) {
            out +=
                "\nleave-one-source-out median |error|: \(fixed(m * 100, 1))% (target ≤ \(fixed(target * 100, 0))%); held-out sources' points: \(absPct(median(v.results.filter { $0.point.split == "held-out" }.compactMap(\.looError))))\n"
        }
        return out
    }
}
