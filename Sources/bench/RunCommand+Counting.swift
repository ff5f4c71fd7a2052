import ArgumentParser
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

    static func parseMode(_ text: String) throws -> MeasureMode {
        guard let mode = MeasureMode(rawValue: text) else {
            throw ValidationError("--measure: unknown mode '\(text)' (valid: time, counts)")
        }
        return mode
    }
}

extension RunCommand {
    /// Counts mode, first process: start bench again under callgrind (``CountingLaunch``) with
    /// the same arguments, and leave with its exit status. Returns when this process is the
    /// counted one, or in timed mode.
    func launchCountedRunIfNeeded(_ request: RunRequest) throws {
        guard request.measure == .counts, !CountingLaunch.isCountedProcess(request.environment) else { return }
        let launch: CountingLaunch
        do { launch = try CountingLaunch.prepare(environment: request.environment) } catch {
            throw UsageError("\(error)")
        }
        let outcome: CountingLaunch.Outcome
        do {
            outcome = try launch.run(Array(CommandLine.arguments.dropFirst()), environment: request.environment)
        } catch {
            throw UsageError("\(error)")
        }
        // bench's own statuses (0, 1, 2, 130) speak for themselves; anything else is valgrind's.
        if ![0, 1, 2, 130].contains(outcome.status) {
            printError("bench under callgrind ended with status \(outcome.status); valgrind's log ends:")
            printError(outcome.valgrindLog)
        }
        throw ExitCode(outcome.status)
    }
}
