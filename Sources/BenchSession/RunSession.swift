import BenchBLAS
import BenchCore
import BenchModels
import BenchPlugins
import BenchSwiftKernels
import Foundation

/// One `bench run`: probes the host peak, runs every case on every backend, writes each row
/// as it finishes, assembles the environment and sidecar, and handles interrupts. It owns the
/// peak (rows, sidecar and printout read the same ``HostPeaks``) and the writer's lifecycle;
/// it never prints: everything goes to a ``RunReporter``.
public final class RunSession {
    public let configuration: RunSessionConfiguration

    public init(configuration: RunSessionConfiguration) {
        self.configuration = configuration
    }

    /// Runs the session to the end and returns its summary.
    ///
    /// - Throws: ``SessionError`` when the output cannot be written.
    public func run(reporter: any RunReporter) throws(SessionError) -> RunSummary {
        let c = configuration
        let blas = OpenBLAS.info(cpuFlags: c.cpu.flags)
        let usesBLAS = c.backends.contains { $0.id == .cpuBLAS }
        var warnings = c.warnings
        if let requested = c.requestedBLASCoreType, requested != "auto",
            blas.coreName.caseInsensitiveCompare(requested) != .orderedSame
        {
            warnings.append("warning: asked OpenBLAS for core type \(requested) but it runs '\(blas.coreName)'")
        }
        if !blas.warning.isEmpty, usesBLAS { warnings.append("WARNING: \(blas.warning)") }
        let noise = NoiseMonitor.start()
        // The host peak only matters for measured backends, which run fp32 and fp64.
        let measuredDTypes =
            c.backends.contains { $0.kind == .measured }
            ? Set(c.cases.map(\.dtype)).intersection([.fp32, .fp64]) : []
        // The peak at the run's thread count is what MFU uses; the 1-thread probe goes into the
        // sidecar beside it (with each probe's spread), so scaling can be read off every run.
        var startPeaks: [DType: Double] = [:]
        var probes: [PeakEntry] = []
        var spreads: [DType: Double] = [:]
        let probe = c.peakProbe
        for d in measuredDTypes.sorted() {
            for t in Set([1, c.threads]).sorted() {
                let p = probe(d, t)
                probes.append(PeakEntry(dtype: d.rawValue, threads: t, flopsPerSecond: p.best, spread: p.spread))
                if t == c.threads {
                    startPeaks[d] = p.best
                    spreads[d] = p.spread
                }
            }
        }
        let startedAt = Date()
        let runID = UUID().uuidString.lowercased()
        var runConfiguration = RunConfiguration(
            suite: c.suite.name, runID: runID, timestamp: Timestamp.iso(startedAt), threads: c.threads,
            policy: c.policy, peakFLOPS: startPeaks, prices: c.prices,
            peakProbe: { [threads = c.threads] dtype in probe(dtype, threads).best },
            predictors: c.hostModels.mapValues { $0 as any TimePredictor },
            fastestDeviceFLOPS: c.fastestDeviceFLOPS,
            peakSpread: spreads, devicePeaks: c.devicePeaks, host: c.host.name)
        runConfiguration.energy = EnergyMeter.open(root: c.powercapRoot)
        let runner = Runner(configuration: runConfiguration)
        let writer: ResultWriter
        do {
            writer = try ResultWriter(destination: c.destination)
        } catch {
            throw .input("\(error)")
        }
        let hostPeaks = runner.peaks
        let startProbes = probes
        // A short STREAM triad (3 × 32 MiB) for the report's roofline, when the host is measured.
        let bandwidth =
            measuredDTypes.isEmpty ? nil : StreamBandwidth.measure(threads: c.threads, elements: 1 << 22, repeats: 3)
        let (cpu, threads, harnessVersion, commandLine) = (c.cpu, c.threads, c.harnessVersion, c.commandLine)
        let environment = { @Sendable () -> HostEnvironment in
            let mem = HostProbe.memory()
            let (os, kernel) = HostProbe.osAndKernel()
            let peaks = hostPeaks.current
            var env = HostEnvironment(
                cpuModel: cpu.model, cpuFlags: cpu.flags, logicalCores: ProcessInfo.processInfo.activeProcessorCount,
                threads: threads, memoryBytes: mem.total, os: os, kernel: kernel,
                swiftVersion: BuildInfo.current.swiftVersion, compiledISA: HostProbe.compiledISA,
                kernelVariant: NativeKernels.variant, blas: blas, harnessVersion: harnessVersion,
                gitCommit: BuildInfo.current.gitCommit, commandLine: commandLine,
                peak: startProbes.map { entry in
                    // A raised peak (a re-probe after a row beat it) replaces the start-up figure.
                    guard entry.threads == threads, let now = peaks[DType(rawValue: entry.dtype)],
                        now > entry.flopsPerSecond
                    else { return entry }
                    return PeakEntry(dtype: entry.dtype, threads: threads, flopsPerSecond: now, spread: nil)
                },
                noise: noise.stop(cores: ProcessInfo.processInfo.activeProcessorCount))
            env.memoryBandwidthBytesPerSecond = bandwidth
            return env
        }
        let suiteName = c.suite.name
        let destination = c.destination
        let fleet = c.fleet
        let metadata = c.instanceMetadata
        let sidecar = { @Sendable (interrupted: Bool, env: HostEnvironment) -> (([SidecarRow]) -> Sidecar) in
            { rows in
                var s = Sidecar(
                    runID: runID, csvFile: destination.lastPathComponent, suite: suiteName,
                    startedAt: Timestamp.iso(startedAt), finishedAt: Timestamp.iso(Date()),
                    interrupted: interrupted, environment: env, rows: rows)
                s.fleet = fleet
                s.instanceMetadata = metadata.map { m in
                    var d = ["instance_type": m.instanceType, "endpoint": m.endpoint]
                    d["region"] = m.region
                    d["life_cycle"] = m.lifeCycle
                    return d
                }
                return s
            }
        }
        let interrupt = InterruptHandler { [reporter] signal in
            // Runs on a dispatch queue while the session's thread may be inside a kernel or
            // waiting on a plugin: plugins first (they must not outlive bench), then the files.
            PluginProcesses.killAll()
            var saveError: String?
            do {
                try writer.finish(sidecar(true, environment()))
            } catch {
                saveError = "\(error)"
            }
            reporter.interrupted(
                RunInterruption(
                    signal: signal, savedRows: writer.finishedRows.count, destination: destination,
                    partial: writer.partial, saveError: saveError))
        }
        defer { interrupt.cancel() }
        reporter.runStarted(
            RunStart(
                destination: c.destination, threads: c.threads, peaks: startPeaks, blas: blas, warnings: warnings,
                rowCount: c.cases.count * c.backends.count))
        var outcomes: [RunOutcome] = []
        var raisesSeen = 0
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
                    let raises = runner.peaks.raises
                    for r in raises.dropFirst(raisesSeen) { reporter.peakRaised(r) }
                    raisesSeen = raises.count
                    outcomes.append(outcome)
                    reporter.rowFinished(outcome)
                })
        } catch {
            throw .input("\(error)")
        }
        interrupt.cancel()
        for b in c.backends { b.shutdown() }
        // Rows finish out of case order (measured rows after their last round): report them in it.
        let order = Dictionary(
            c.cases.enumerated().flatMap { i, kc in
                c.backends.enumerated().map { j, b in ("\(kc.id)\u{0}\(b.id)", i * c.backends.count + j) }
            }, uniquingKeysWith: { a, _ in a })
        outcomes.sort {
            order["\($0.row.caseID)\u{0}\($0.row.backend)"] ?? 0 < order["\($1.row.caseID)\u{0}\($1.row.backend)"] ?? 0
        }
        // One environment for the sidecar and the summary (it stops the noise monitor).
        let env = environment()
        do {
            try writer.finish(sidecar(false, env))
        } catch {
            throw .input("\(error)")
        }
        var endWarnings: [String] = []
        if !blas.warning.isEmpty, usesBLAS { endWarnings.append("WARNING: \(blas.warning)") }
        if let w = env.noise?.warning, !w.isEmpty { endWarnings.append("warning: \(w)") }
        let summary = RunSummary(
            outcomes: outcomes, destination: c.destination, sidecar: writer.sidecarURL, threads: c.threads,
            peaks: runner.peaks.current, environment: env,
            pluginLogs: c.backends.compactMap { b in (b as? PluginBackend).map { (b.id, $0.logPath) } },
            warnings: endWarnings)
        reporter.runFinished(summary)
        return summary
    }
}
