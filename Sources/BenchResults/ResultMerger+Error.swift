import BenchCore

extension ResultMerger {
    /// Errors merging files, naming the file and row.
    public enum Error: Swift.Error, CustomStringConvertible {
        case duplicate(key: RowKey, first: String, other: String)
        /// Combining rounds needs runs of one host, build and settings.
        case otherHost(first: String, other: String, difference: String)
        case modeledDiffers(key: RowKey, first: String, other: String)
        case noSamples(key: RowKey, path: String)
        /// A fleet group (fleet run, host) lacks shards or has one twice.
        case incompleteFleet(run: String, host: String, count: Int, missing: [Int], duplicated: [Int])
        /// Shards of one group disagree on what must be one (suite, schema, catalog, build, count).
        case fleetMismatch(run: String, host: String, what: String, first: String, other: String)
        /// One run in two inputs (a file given twice, or a merged file with one of its sources).
        case sameRun(runID: String, first: String, other: String)

        /// The first few shard numbers and how many there are in all.
        static func listed(_ shards: [Int]) -> String {
            let shown = shards.prefix(8).map(String.init).joined(separator: ", ")
            return shards.count > 8 ? "\(shown), … (\(shards.count) in all)" : shown
        }

        public var description: String {
            switch self {
            case .duplicate(let k, let a, let b):
                "row \(k) is in both \(a) and \(b); pass --prefer latest to keep the newer one, or --prefer rounds to combine repeated runs"
            case .otherHost(let a, let b, let d):
                "--prefer rounds combines repeated runs of one host and build: \(a) and \(b) differ (\(d))"
            case .modeledDiffers(let k, let a, let b):
                "modeled row \(k) differs between \(a) and \(b) (another catalog?); runs to combine must agree on modeled rows"
            case .noSamples(let k, let path):
                "--prefer rounds needs the raw samples: \(path) has no sidecar samples for \(k)"
            case .incompleteFleet(let run, let host, let count, let missing, let duplicated):
                "fleet run '\(run)' on host '\(host)' (\(count) shards): "
                    + [
                        missing.isEmpty ? nil : "shard(s) \(Self.listed(missing)) missing",
                        duplicated.isEmpty ? nil : "shard(s) \(Self.listed(duplicated)) given twice",
                    ].compactMap { $0 }.joined(separator: "; ")
                    + (missing.isEmpty ? "" : " (pass --allow-partial to merge anyway)")
            case .fleetMismatch(let run, let host, let what, let a, let b):
                "fleet run '\(run)' on host '\(host)': shards differ in \(what) ('\(a)' vs '\(b)'); they are not one run"
            case .sameRun(let id, let a, let b):
                "run \(id) is in both \(a) and \(b): merging a run with itself would count its rows and samples twice"
            }
        }
    }
}
