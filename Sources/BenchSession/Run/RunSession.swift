import BenchBLAS
import BenchCore
import BenchPlugins
import BenchResults
import BenchRun
import BenchSwiftKernels
import Foundation

/// One `bench run`, top to bottom: probe the host, start the writer and the interrupt handler,
/// run every case on every backend (``Runner``), write each row as it finishes, and finish the
/// files. It owns the writer's lifecycle and hands the run's one ``HostPeaks`` to the runner;
/// it never prints: everything goes to a ``RunReporter``.
public final class RunSession {
    public let configuration: RunConfiguration

    public init(configuration: RunConfiguration) {
        self.configuration = configuration
    }

    /// Runs the session to the end and returns its summary.
    ///
    /// - Throws: ``SessionError`` when the output cannot be written.
    public func run(reporter: any RunReporter) throws(SessionError) -> RunSummary {
        let c = configuration
        let host = HostSetup.probe(c)
        let startedAt = Date()
        let context = RunContext(
            timestamp: Timestamp.iso(startedAt), peaks: HostPeaks(host.peaks, onRaise: { reporter.peakRaised($0) }),
            peakSpread: host.spreads, energy: EnergyMeter.open(root: c.powercapRoot))
        let runner = Runner(configuration: c, context: context)
        // Opened just before the interrupt handler that finishes it (the command checked the
        // paths before any work).
        let writer: ResultWriter
        do {
            writer = try ResultWriter(destination: c.destination)
        } catch {
            throw .input("\(error)")
        }
        let files = SidecarAssembly(
            configuration: c, runID: context.runID, startedAt: startedAt, recorder: host.recorder)
        let (peaks, destination, pool) = (context.peaks, c.destination, c.countingPool)
        let interrupt = InterruptHandler { [reporter] signal in
            // Runs on a dispatch queue while the session's thread may be inside a kernel or
            // waiting on a plugin: freeze the rows (a row failing because its plugin is stopped
            // must not replace what its rounds measured), stop the plugins (they must not
            // outlive bench), then write the files.
            writer.stopAccepting()
            PluginProcesses.killAll()
            pool?.cancel()
            var saveError: String?
            do {
                try writer.finish(files.sidecar(interrupted: true, environment: files.environment(peaks)))
            } catch {
                saveError = "\(error)"
            }
            reporter.interrupted(
                RunInterruption(
                    signal: signal, savedRows: writer.appendedRowCount, destination: destination,
                    partial: writer.partial, saveError: saveError))
        }
        defer { interrupt.cancel() }
        reporter.runStarted(
            RunStart(
                destination: c.destination, threads: c.threads, peaks: host.peaks, blas: host.blas,
                warnings: host.warnings, rowCount: c.cases.count * c.backends.count))
        var outcomes: [RunOutcome] = []
        do {
            try runner.run(
                cases: c.cases, backends: c.backends,
                willRun: { reporter.rowWillRun($0) },
                didMeasureRound: { outcome in
                    // What an interrupt saves of a row whose rounds are not all done.
                    writer.stage(outcome.row, samples: outcome.sidecar)
                },
                didFinish: { outcome in
                    try writer.append(outcome.row, samples: outcome.sidecar)
                    outcomes.append(outcome)
                    reporter.rowFinished(outcome)
                })
        } catch {
            while writer.isStopped { pause() }  // an interrupt ends the process (see below)
            throw .input("\(error)")
        }
        // An interrupt that stopped the writer (and the plugins, so the last row may have
        // failed) is saving the files and ends the process with 130: let it, rather than
        // finish the run as if nothing happened.
        while writer.isStopped { pause() }
        interrupt.cancel()
        for b in c.backends { b.shutdown() }
        // Rows finish out of case order (measured rows after their last round): report them in it.
        let order = RowOrder(c)
        outcomes.sort { order.index(of: $0.row.key) < order.index(of: $1.row.key) }
        // One environment for the sidecar and the summary (it stops the noise monitor).
        let env = files.environment(peaks)
        do {
            try writer.finish(files.sidecar(interrupted: false, environment: env))
        } catch {
            throw .input("\(error)")
        }
        var endWarnings: [String] = []
        if let warning = host.blasWarning { endWarnings.append(warning) }
        if let w = env.noise?.warning, !w.isEmpty { endWarnings.append("warning: \(w)") }
        let summary = RunSummary(
            outcomes: outcomes, destination: c.destination, sidecar: writer.sidecarURL, threads: c.threads,
            peaks: peaks.current, environment: env,
            pluginLogs: c.backends.compactMap { b in (b as? PluginBackend).map { (b.id, $0.logPath) } },
            warnings: endWarnings)
        reporter.runFinished(summary)
        return summary
    }
}

/// The case × backend order rows are reported in, by each row's ``RowKey``.
struct RowOrder {
    private var positions: [RowKey: Int] = [:]

    /// The keys the runner gives the configuration's rows (a measured row carries the host).
    init(_ c: RunConfiguration) {
        for (i, kc) in c.cases.enumerated() {
            for (j, b) in c.backends.enumerated() {
                let key = RowKey(
                    suite: c.suite.name, caseID: kc.id, backend: b.id, threads: c.threads,
                    host: b.kind == .measured ? c.host.name : "")
                if positions[key] == nil { positions[key] = i * c.backends.count + j }
            }
        }
    }

    /// The row's position; a key the configuration does not make goes last.
    func index(of key: RowKey) -> Int { positions[key] ?? Int.max }
}
