import BenchCore
import BenchResults

extension Comparator {
    /// Bad comparison input: an unreadable or invalid file, or nothing to compare. One line each.
    public enum InputError: Error, Sendable, CustomStringConvertible {
        case file(ResultFileError)
        case noRows(path: String)
        case noCommonRows(baseline: String, candidate: String)
        case backendMissing(path: String, backend: BackendID, present: [BackendID])
        case hostMissing(path: String, host: String, present: [String])
        case mixedMeasures(counted: String, timed: String)
        case noCounts(path: String, metric: Metric)

        public var description: String {
            switch self {
            case .file(let e): "\(e)"
            case .noRows(let path): "\(path): record 1: header only, no rows to compare"
            case .noCommonRows(let b, let c):
                "\(b) and \(c) have no row in common (other suites, cases, backends or threads?); nothing to compare"
            case .backendMissing(let path, let id, let present):
                "--backends: \(path) has no rows of backend '\(id)' (it has \(present.map(\.rawValue).joined(separator: ", ")))"
            case .hostMissing(let path, let host, let present):
                "--hosts: \(path) has no measured rows of host '\(host)' (it has \(present.isEmpty ? "none: no host column" : present.joined(separator: ", ")))"
            case .mixedMeasures(let counted, let timed):
                "\(counted) holds counts (bench run --measure counts) and \(timed) holds times; compare counts with counts and times with times"
            case .noCounts(let path, let metric):
                "--metric \(metric): \(path) has no counts; write it with bench run --measure counts"
            }
        }
    }

    /// Reads both files (with their sidecars) and compares them; `candidate` may be the
    /// baseline's own path (comparing two backends of one file).
    public static func compare(
        baselinePath: String, candidatePath: String, options: ComparisonOptions
    ) throws(InputError) -> ComparisonReport {
        let base: ResultSet, cand: ResultSet
        do {
            let sets = try ResultSet.load([baselinePath, candidatePath])
            (base, cand) = (sets[0], sets[1])
        } catch {
            throw .file(error)
        }
        return try compare(baseline: base, candidate: cand, options: options)
    }

    /// Compares two result sets already read (`bench run --baseline` reads its baseline once,
    /// before measuring); the errors name the sets' paths.
    public static func compare(
        baseline base: ResultSet, candidate cand: ResultSet, options: ComparisonOptions
    ) throws(InputError) -> ComparisonReport {
        for set in [base, cand] where set.rows.isEmpty { throw .noRows(path: set.path) }
        if let pair = options.backendPair {
            for (set, id) in [(base, pair.baseline), (cand, pair.candidate)]
            where !set.rows.contains(where: { $0.backend == id }) {
                throw .backendMissing(path: set.path, backend: id, present: Set(set.rows.map(\.backend)).sorted())
            }
        }
        if let pair = options.hostPair {
            for (set, host) in [(base, pair.baseline), (cand, pair.candidate)]
            where !set.rows.contains(where: { $0.host == host }) {
                throw .hostMissing(
                    path: set.path, host: host, present: Set(set.rows.map(\.host).filter { !$0.isEmpty }).sorted())
            }
        }
        var options = options
        if base.isCounted != cand.isCounted, base.isTimed || cand.isTimed {
            let (counted, timed) = base.isCounted ? (base, cand) : (cand, base)
            throw .mixedMeasures(counted: counted.path, timed: timed.path)
        }
        if options.metric.isCount, let set = [base, cand].first(where: { !$0.isCounted }) {
            throw .noCounts(path: set.path, metric: options.metric)
        }
        if base.isCounted && cand.isCounted {
            if !options.metricChosen { options.metric = ComparisonOptions.countsMetric }
            if !options.thresholdChosen { options.threshold = ComparisonOptions.countsThreshold }
        }
        let report = compare(base, cand, options: options)
        guard report.rows.contains(where: { $0.verdict != .missing && $0.verdict != .new }) else {
            throw .noCommonRows(baseline: base.path, candidate: cand.path)
        }
        return report
    }

    /// The gate's exit status: 1 on a regression (or a model change with `failOnModelChange`,
    /// or inconclusive, noisy, not-comparable, missing and new rows with `strict`), else 0.
    public static func exitStatus(_ report: ComparisonReport, strict: Bool, failOnModelChange: Bool) -> Int32 {
        if report.count(.regressed) > 0 { return 1 }
        if failOnModelChange && report.count(.modelChanged) > 0 { return 1 }
        if strict && [.inconclusive, .noisy, .notComparable, .missing, .new].contains(where: { report.count($0) > 0 }) {
            return 1
        }
        return 0
    }
}
