import ArgumentParser
import BenchResults
import Foundation

/// What `bench run` prints on standard output.
enum RunOutputFormat: String, CaseIterable, ExpressibleByArgument {
    /// The table of rows, the ranking and where the files are (the default).
    case table
    /// Only the rows in Bencher Metric Format (JSON), for `bencher run --adapter json`; the
    /// table and everything else go to standard error.
    case bmf
}

struct RunOutputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Standard output: table (default), or bmf (Bencher Metric Format JSON of the rows; the table goes to standard error).",
            valueName: "table|bmf"))
    var format: RunOutputFormat = .table
}

/// `--format bmf`: standard output is kept for the JSON; everything printed before it goes to
/// standard error.
struct BMFOutput {
    let savedStandardOutput: Int32

    /// Sends standard output to standard error until ``emit(rowsOf:)``.
    static func begin() -> BMFOutput {
        fflush(nil)
        let saved = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return BMFOutput(savedStandardOutput: saved)
    }

    /// Restores standard output and prints the rows of the file the run wrote, read back.
    func emit(rowsOf destination: URL) throws {
        fflush(nil)
        dup2(savedStandardOutput, STDOUT_FILENO)
        close(savedStandardOutput)
        let set: ResultSet
        do { set = try ResultSet(path: destination.path) } catch { throw UsageError("\(error)") }
        print(BencherMetricFormat.render(BencherMetricFormat.document(set.rows)))
    }
}
