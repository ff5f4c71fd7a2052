import BenchCore
import BenchRun
import BenchSession
import Foundation

/// Prints a run for a person: progress on a terminal's stderr, then the table of rows, the
/// ranking, the peak and where the files are.
final class TerminalReporter: RunReporter, @unchecked Sendable {
    /// Whether to draw the `[i/n] case on backend` progress line (stderr is a terminal).
    let progress: Bool

    init(progress: Bool) { self.progress = progress }

    func runStarted(_ start: RunStart) {
        for w in start.warnings { printError(w) }
    }

    func rowWillRun(_ p: RunProgress) {
        if progress {
            let round = p.rounds > 1 ? " (round \(p.round)/\(p.rounds))" : ""
            StandardStreams.writeError(
                "\r\u{1B}[K[\(p.step + 1)/\(p.steps)] \(p.kernelCase.id) on \(p.backend)\(round)")
        }
    }

    func rowFinished(_ outcome: RunOutcome) {}

    func peakRaised(_ raise: HostPeaks.Raise) {}

    func interrupted(_ i: RunInterruption) -> Never {
        if let error = i.saveError {
            printError("interrupted; could not finish \(i.partial.path): \(error)")
        } else {
            printError(
                "\ninterrupted (signal \(i.signal)); \(i.savedRows) finished rows saved to \(i.destination.path)")
        }
        // _exit, not exit: the main thread may be inside a kernel, and running the
        // process's exit handlers under it can crash. Everything is on disk already.
        _exit(130)
    }

    func runFinished(_ s: RunSummary) {
        if progress { StandardStreams.writeError("\r\u{1B}[K") }
        let rows = s.outcomes.map(\.row)
        print(ResultTable.render(rows))
        let errors = s.predictionErrors
        if !errors.isEmpty {
            func medianAbs(_ xs: [Double]) -> String { fixed(Summary(xs.map { abs($0) }).median * 100, 1) + "%" }
            let perBackend = Dictionary(grouping: errors, by: \.backend).sorted { $0.key < $1.key }
                .map { "\($0.key) \(medianAbs($0.value.map(\.error)))" }.joined(separator: ", ")
            print(
                "host model vs measured: median absolute prediction error \(medianAbs(errors.map(\.error))) over \(errors.count) rows (\(perBackend))"
            )
        }
        // Counted rows have no time and no price: nothing to rank.
        let ranking = rows.contains(where: \.isCounted) ? "" : RankingTable.render(rows)
        if !ranking.isEmpty { print(ranking) }
        let peaks = s.peaks.keys.sorted().map { "\($0) \(fixed((s.peaks[$0] ?? 0) / 1e9, 1)) GFLOP/s" }.joined(
            separator: ", ")
        if !s.peaks.isEmpty { print("host peak (measured, \(s.threads) thread\(s.threads == 1 ? "" : "s")): " + peaks) }
        if let blas = s.environment.blas {
            print(
                "OpenBLAS core: \(blas.coreName)\(blas.coreTypeOverride.isEmpty ? "" : " (OPENBLAS_CORETYPE=\(blas.coreTypeOverride))"); native kernels: \(s.environment.kernelVariant)"
            )
        }
        for w in s.warnings { printError(w) }
        for (backend, log) in s.pluginLogs { print("plugin \(backend) log: \(log)") }
        print("results: \(s.destination.path)")
        print("sidecar: \(s.sidecar.path)")
        let failures = s.failures
        if !failures.isEmpty {
            printError(
                "\(failures.count) row(s) failed: "
                    + failures.map { "\($0.caseID) on \($0.backend): \($0.status.rawValue)" }.joined(separator: "; "))
        }
    }
}
