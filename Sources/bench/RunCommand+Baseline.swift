import BenchComparison
import BenchResults
import BenchSession
import Foundation

/// `run --baseline`: the baseline read before the run, and compared with the run at its end.
extension RunCommand {
    /// The baseline's rows; a file that compare would refuse is refused before any work.
    static func readBaseline(_ path: String) throws -> ResultSet {
        let set: ResultSet
        do { set = try ResultSet(path: path) } catch { throw UsageError("--baseline: \(error)") }
        if set.rows.isEmpty { throw UsageError("--baseline: \(path): record 1: header only, no rows to compare") }
        return set
    }

    /// `--baseline`: compare's table and exit status for this run against the baseline.
    func compare(_ summary: RunSummary, against baseline: ResultSet) throws -> Int32 {
        var options = ComparisonOptions()
        if let threshold {
            options.threshold = threshold.fraction
            options.thresholdChosen = true
        }
        let candidate: ResultSet
        do { candidate = try ResultSet(path: summary.destination.path) } catch { throw UsageError("\(error)") }
        let report = try Comparator.compare(baseline: baseline, candidate: candidate, options: options)
        print(ReportFormat.table.render(report, color: isatty(STDOUT_FILENO) == 1))
        return Comparator.exitStatus(report, strict: false, failOnModelChange: failOnModelChange)
    }
}
