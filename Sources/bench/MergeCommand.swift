import ArgumentParser
import BenchCore
import BenchResults
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

    @Option(
        help:
            "What to do with a row present in several files: 'latest' keeps the newest; 'rounds' combines repeated runs of one build on one host into one measurement (their rounds pooled)."
    )
    var prefer: String?

    @Flag(
        name: .customLong("allow-partial"),
        help: "Merge fleet shards even when a group (fleet run, host) lacks some; the merged sidecar's notes say which."
    )
    var allowPartial = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give the CSVs to merge (one is enough for a one-shard fleet)") }
        if let prefer, prefer != "latest", prefer != "rounds" {
            throw ValidationError("--prefer takes 'latest' or 'rounds' (got '\(prefer)')")
        }
        if let input = OutputFile.collision(output: out, writesSidecar: true, inputs: files) {
            throw ValidationError("--out '\(out)' would replace the input '\(input)'; merge into a new file")
        }
    }

    func run() throws { try removingTemporaryFilesOnInterrupt { try work() } }

    /// The command's work; an interrupt or a failure removes what it had begun to write.
    func work() throws {
        let destination = try OutputPath.resolve(out, stem: "merged")
        // The output's lock before reading: a run or merge that would finish the same file
        // meanwhile is refused, instead of being silently replaced by this one.
        let lock: OutputLock
        do { lock = try OutputLock(destination: destination) } catch { throw UsageError("\(error)") }
        defer { lock.release() }
        let sets: [ResultSet]
        do { sets = try ResultSet.load(files) } catch { throw UsageError("\(error)") }
        let count: Int
        do {
            let duplicates: ResultMerger.Duplicates =
                switch prefer {
                case "latest": .latest
                case "rounds": .rounds
                default: .refuse
                }
            count = try ResultMerger.write(
                sets, to: destination, duplicates: duplicates, allowPartial: allowPartial, lock: lock)
        } catch {
            throw UsageError("\(error)")
        }
        print("merged \(count) rows from \(files.count) files: \(destination.path)")
    }
}
