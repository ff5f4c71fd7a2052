import ArgumentParser
import BenchCore
import BenchRun
import BenchSession
import Foundation

/// `bench run`'s choice of measurement: time (default) or counts under callgrind.
struct MeasureOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "time (default): wall time in rounds, with statistics; counts: instructions and simulated cache misses per call under valgrind's callgrind, deterministic on shared runners (docs/ci.md).",
            valueName: "time|counts"),
        transform: MeasureOptions.parseMode)
    var measure: MeasureMode = .time

    @Option(
        name: .customLong("count-calls"), parsing: .unconditional,
        help:
            "With --measure counts: calls counted per case, after one uncounted warm-up (default 1: counts repeat exactly)."
    )
    var countCalls: Int = 1

    @Option(
        name: .customLong("jobs"),
        help:
            "With --measure counts: rows counted at once, each in a valgrind process of its own (default: the CPUs bench may use). The counts do not depend on it."
    )
    var jobs: Int?

    func validate() throws {
        if let jobs {
            guard measure == .counts else {
                throw ValidationError("--jobs: applies to --measure counts (timed rows run one at a time)")
            }
            guard (1...256).contains(jobs) else { throw ValidationError("--jobs: must be 1 to 256 (got \(jobs))") }
        }
    }

    static func parseMode(_ text: String) throws -> MeasureMode {
        guard let mode = MeasureMode(rawValue: text) else {
            throw ValidationError("--measure: unknown mode '\(text)' (valid: time, counts)")
        }
        return mode
    }
}

extension RunCommand {
    /// Counts mode, first process: finds valgrind, makes the stripped copy of bench, and returns
    /// the pool that counts each measured row in bench started again under callgrind, with the
    /// same arguments. `nil` in timed mode.
    func countingPool(for request: RunRequest) throws -> CountingPool? {
        guard request.measure == .counts else { return nil }
        do {
            let launch = try CountingLaunch.prepare(environment: request.environment)
            return try CountingPool(
                launch: launch, suite: request.suite, environment: request.environment, calls: request.countedCalls,
                jobs: measurement.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw UsageError("\(error)")
        }
    }

    /// A counted process (started by the pool under callgrind): counts its one row into the
    /// results file the pool reads back, and leaves with 0, or 1 when the row failed. The first
    /// process prints, compares and writes the run's files.
    func runCountedRow(_ checked: CheckedRunRequest, cpu: CPUInfo) throws -> Never {
        let configuration = try RunConfiguration(resolving: checked, cpu: cpu)
        let summary = try RunSession(configuration: configuration).run(reporter: TerminalReporter(progress: false))
        throw ExitCode(summary.failures.isEmpty ? 0 : 1)
    }
}
