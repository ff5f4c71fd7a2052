import ArgumentParser
import BenchCore
import BenchSession
import Foundation

/// `bench merge`: combine result CSVs (and their sidecars) into one.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge result CSVs (e.g. shards from several machines) with their sidecars into one file.")

    @Argument(help: "The CSVs to merge, in order.")
    var files: [String]

    @Option(help: "Output CSV; its sidecar is written beside it.")
    var out: String

    @Option(help: "What to do with a row present in several files: 'latest' keeps the newest.")
    var prefer: String?

    func validate() throws {
        if files.count < 2 { throw ValidationError("give at least two CSVs to merge") }
        if let prefer, prefer != "latest" { throw ValidationError("--prefer takes 'latest' (got '\(prefer)')") }
    }

    func run() throws {
        let destination = try OutputPath.resolve(out, stem: "merged")
        var sets: [ResultSet] = []
        for f in files {
            do { sets.append(try ResultSet(path: f)) } catch { throw UsageError("\(error)") }
        }
        let merged: (rows: [ResultRow], samples: [SidecarRow], sources: [MergedSource])
        do {
            merged = try ResultMerger.merge(sets, preferLatest: prefer == "latest")
        } catch {
            throw UsageError("\(error)")
        }
        do {
            let writer = try ResultWriter(destination: destination)
            for (row, sample) in zip(merged.rows, merged.rows.map { r in merged.samples.first { $0.key == r.key } ?? SidecarRow(key: r.key, status: r.status) }) {
                try writer.append(row, samples: sample)
            }
            let base = sets[0].sidecar
            try writer.finish { rows in
                var s = Sidecar(
                    runID: UUID().uuidString.lowercased(), csvFile: destination.lastPathComponent,
                    suite: Set(merged.rows.map(\.suite)).sorted().joined(separator: ","),
                    startedAt: merged.rows.map(\.timestamp).min() ?? "", finishedAt: Timestamp.iso(Date()), interrupted: false,
                    environment: base?.environment ?? HostEnvironment.unknown, rows: rows)
                s.mergedFrom = merged.sources
                return s
            }
        } catch {
            throw UsageError("\(error)")
        }
        print("merged \(merged.rows.count) rows from \(files.count) files: \(destination.path)")
    }
}
