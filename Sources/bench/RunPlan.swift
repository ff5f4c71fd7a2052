import BenchBLAS
import BenchCore
import BenchModels
import BenchPlugins
import BenchSwiftKernels
import Foundation

/// A validated `bench run`: everything checked before any case runs.
struct RunPlan {
    let suite: any Suite
    let cases: [KernelCase]
    let backends: [any Backend]
    let threads: Int
    let policy: MeasurementPolicy
    let destination: URL
    let cpu: (model: String, flags: [String])
    let requestedCoreType: String?
    let prices: [BackendID: PriceQuote]
    let catalogVersion: String
    /// `--with-model`: the calibrated models of this host, per measured backend id.
    let hostModels: [String: DeviceModel]

    /// Validates the command's options against the suites, backends and host.
    init(command c: RunCommand, cpu: (model: String, flags: [String])) throws {
        self.cpu = cpu
        requestedCoreType = c.blasCoreType
        guard let suite = SuiteRegistry.suite(named: c.suite) else {
            throw UsageError("--suite: unknown suite '\(c.suite)' (valid: \(SuiteRegistry.all.map(\.name).joined(separator: ", ")))")
        }
        self.suite = suite
        let destination = try Self.destination(c.out, suite: suite.name)
        if let file = c.withModel {
            do {
                let profile = try Catalog.load(path: file)
                var models: [String: DeviceModel] = [:]
                for d in profile.devices where d.name.hasPrefix("host-") { models[String(d.name.dropFirst(5))] = DeviceModel(device: d, count: 1) }
                guard !models.isEmpty else {
                    throw UsageError("--with-model '\(file)': no host-<backend> device (write the profile with bench calibrate)")
                }
                hostModels = models
            } catch let e as UsageError {
                throw e
            } catch {
                throw UsageError("--with-model: \(error)")
            }
        } else {
            hostModels = [:]
        }
        let catalog = try Self.loadCatalog(c.catalog)
        catalogVersion = catalog.catalogVersion
        let allBackends = try BackendRegistry.all(cpuModel: cpu.model, catalog: catalog)
        backends = try BackendRegistry.select(
            c.backend, from: allBackends, pluginArguments: c.pluginArg,
            logStem: destination.deletingPathExtension().path, caseTimeout: c.caseTimeout)
        guard !backends.isEmpty else {
            throw UsageError("--backend '\(c.backend)' selects no backend in this build (available: \(allBackends.map(\.id.rawValue).joined(separator: ", ")))")
        }
        var overrides: [String: Double] = [:]
        for p in c.price {
            let parts = p.split(separator: "=", maxSplits: 1)
            overrides[String(parts[0])] = Double(parts[1])
        }
        let book: PriceBook
        do {
            book = try PriceBook(catalog: catalog, basis: c.pricing, overrides: overrides, hostInstance: c.hostInstance, hostPrice: c.hostPrice)
        } catch {
            throw UsageError("\(error)")
        }
        var prices: [BackendID: PriceQuote] = [:]
        for b in backends { prices[b.id] = book.quote(for: b) }
        self.prices = prices

        var cases = suite.cases(quick: c.quick)
        for id in c.addCase {
            do {
                let extra = try KernelRegistry.builtIn.validatedCase(id)
                if !cases.contains(extra) { cases.append(extra) }
            } catch {
                throw UsageError("--add-case: \(error)")
            }
        }
        if let list = c.dtype {
            let known = Set(KernelRegistry.builtIn.specs.flatMap(\.dtypes))
            var wanted: Set<DType> = []
            for name in list.split(separator: ",", omittingEmptySubsequences: false) {
                let d = DType(rawValue: name.trimmingCharacters(in: .whitespaces))
                guard known.contains(d) else {
                    throw UsageError("--dtype: unknown dtype '\(d)' (valid: \(known.sorted().map(\.rawValue).joined(separator: ", ")))")
                }
                wanted.insert(d)
            }
            cases = cases.filter { wanted.contains($0.dtype) }
        }
        if let pattern = c.casePattern {
            let regex: NSRegularExpression
            do {
                regex = try NSRegularExpression(pattern: pattern)
            } catch {
                throw UsageError("--case: '\(pattern)' is not a valid regular expression")
            }
            cases = cases.filter { id in
                let s = id.id
                return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
            }
            guard !cases.isEmpty else {
                throw UsageError("--case: '\(pattern)' matches no case of suite \(suite.name)\(c.quick ? " --quick" : "") (see 'bench list --suite \(suite.name)\(c.quick ? " --quick" : "")')")
            }
        }
        guard !cases.isEmpty else { throw UsageError("no case left to run after --dtype filtering") }
        // Refuse cases whose buffers cannot fit before allocating anything.
        let available = HostProbe.memory().available
        for kc in cases {
            guard let spec = KernelRegistry.builtIn.spec(named: kc.kernel) else { continue }
            let need = spec.bufferBytes(kc)
            if need > available { throw UsageError(CaseError.tooLarge(caseID: kc.id, bytes: need, available: available).description) }
        }
        self.cases = cases

        threads = c.threads ?? ProcessInfo.processInfo.activeProcessorCount
        var policy = c.quick ? MeasurementPolicy.quick : .standard
        if let b = c.budget { policy.budgetSeconds = b }
        if let n = c.minSamples { policy.minSamples = n }
        self.policy = policy

        self.destination = destination
    }

    /// The shipped catalog, with `--catalog FILE` laid over it.
    static func loadCatalog(_ extra: String?) throws -> Catalog {
        do {
            var catalog = try Catalog.shipped()
            if let extra { catalog = catalog.overlaid(with: try Catalog.load(path: extra)) }
            try catalog.validate(path: extra ?? "catalog")
            return catalog
        } catch {
            throw UsageError("\(error)")
        }
    }

    /// The output path: `--out` (its directory must exist) or `results/<suite>-<UTC>.csv`.
    static func destination(_ out: String?, suite: String) throws -> URL {
        let fm = FileManager.default
        if let out {
            let url = URL(fileURLWithPath: out)
            let dir = url.deletingLastPathComponent().path
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir, isDirectory: &isDir) {
                guard isDir.boolValue else { throw UsageError("--out '\(out)': '\(dir)' is a file, not a directory") }
            } else {
                throw UsageError("--out '\(out)': directory '\(dir)' does not exist")
            }
            if fm.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                throw UsageError("--out '\(out)' is a directory; give a file name")
            }
            return url
        }
        let results = URL(fileURLWithPath: "results")
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: results.path, isDirectory: &isDir), !isDir.boolValue {
            throw UsageError("'results' is a file; pass --out FILE")
        }
        do {
            try fm.createDirectory(at: results, withIntermediateDirectories: true)
        } catch {
            throw UsageError("cannot create the results directory: \(error.localizedDescription)")
        }
        let stamp = Timestamp.compact(Date())
        return results.appendingPathComponent("\(suite)-\(stamp).csv")
    }

    /// Runs the plan and returns the exit status (0 or 1).
    func execute() throws -> Int32 {
        let blas = OpenBLAS.info(cpuFlags: cpu.flags)
        if let requested = requestedCoreType, requested != "auto",
           blas.coreName.caseInsensitiveCompare(requested) != .orderedSame {
            printError("warning: asked OpenBLAS for core type \(requested) but it runs '\(blas.coreName)'")
        }
        if !blas.warning.isEmpty, backends.contains(where: { $0.id == .cpuBLAS }) {
            printError("WARNING: \(blas.warning)")
        }
        let noise = NoiseMonitor.start()
        // The host peak only matters for measured backends, which run fp32 and fp64.
        let measuredDTypes = backends.contains { $0.kind == .measured } ? Set(cases.map(\.dtype)).intersection([.fp32, .fp64]) : []
        var peak: [DType: Double] = [:]
        for d in measuredDTypes.sorted() { peak[d] = HostPeak.measure(dtype: d, threads: threads) }
        let startedAt = Date()
        let runID = UUID().uuidString.lowercased()
        let configuration = RunConfiguration(
            suite: suite.name, runID: runID, timestamp: Timestamp.iso(startedAt), threads: threads,
            policy: policy, peakFLOPS: peak, prices: prices,
            peakProbe: { [threads] dtype in HostPeak.measure(dtype: dtype, threads: threads) })
        let writer: ResultWriter
        do {
            writer = try ResultWriter(destination: destination)
        } catch {
            throw UsageError("\(error)")
        }
        let environment = { () -> HostEnvironment in
            let mem = HostProbe.memory()
            let (os, kernel) = HostProbe.osAndKernel()
            return HostEnvironment(
                cpuModel: cpu.model, cpuFlags: cpu.flags, logicalCores: ProcessInfo.processInfo.activeProcessorCount,
                threads: threads, memoryBytes: mem.total, os: os, kernel: kernel,
                swiftVersion: BuildInfo.current.swiftVersion, compiledISA: HostProbe.compiledISA,
                kernelVariant: NativeKernels.variant, blas: blas, harnessVersion: Bench.version,
                gitCommit: BuildInfo.current.gitCommit, commandLine: CommandLine.arguments,
                peak: peak.keys.sorted().map { PeakEntry(dtype: $0.rawValue, threads: threads, flopsPerSecond: peak[$0]!) },
                noise: noise.stop(cores: ProcessInfo.processInfo.activeProcessorCount))
        }
        let makeSidecar = { (interrupted: Bool) -> (([SidecarRow]) -> Sidecar) in
            { rows in
                Sidecar(runID: runID, csvFile: destination.lastPathComponent, suite: suite.name,
                        startedAt: Timestamp.iso(startedAt), finishedAt: Timestamp.iso(Date()),
                        interrupted: interrupted, environment: environment(), rows: rows)
            }
        }
        // The environment closure reads only immutable values; the writer is thread-safe.
        let interruptedSidecar = UncheckedSendable(makeSidecar(true))
        let destinationPath = destination.path
        let interrupt = InterruptHandler { signal in
            // Runs on a dispatch queue while the main thread may be inside a kernel.
            do {
                if try writer.finish(interruptedSidecar.value) {
                    printError("\ninterrupted (signal \(signal)); \(writer.finishedRows.count) finished rows saved to \(destinationPath)")
                }
            } catch {
                printError("interrupted; could not finish \(writer.partial.path): \(error)")
            }
            // _exit, not exit: the main thread may be inside a kernel, and running the
            // process's exit handlers under it can crash. Everything is on disk already.
            _exit(130)
        }
        let progress = isatty(STDERR_FILENO) == 1
        var outcomes: [RunOutcome] = []
        var predictionErrors: [(backend: String, error: Double)] = []
        let runner = Runner(configuration: configuration)
        try runner.run(
            cases: cases, backends: backends,
            willRun: { index, total, kc, backend in
                if progress { FileHandle.standardError.write(Data("\r\u{1B}[K[\(index + 1)/\(total)] \(kc.id) on \(backend.id)".utf8)) }
            },
            didFinish: { outcome in
                var outcome = outcome
                if let hostModel = hostModels[outcome.row.backend], outcome.row.backendKind == .measured, outcome.row.status == .ok,
                   let measured = outcome.row.medianSeconds, let kc = try? KernelRegistry.builtIn.validatedCase(outcome.row.caseID),
                   case .success(let e) = hostModel.estimate(kc) {
                    let error = e.seconds / measured - 1
                    outcome.row.notes += "; host model predicts \(ResultTable.formatSeconds(e.seconds)) (\(error >= 0 ? "+" : "")\(fixed(error * 100, 1))%, \(e.bound.rawValue)-bound)"
                    predictionErrors.append((outcome.row.backend, error))
                }
                do {
                    try writer.append(outcome.row, samples: outcome.sidecar)
                } catch {
                    throw UsageError("\(error)")
                }
                outcomes.append(outcome)
            })
        interrupt.cancel()
        for b in backends { b.shutdown() }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        do {
            try writer.finish(makeSidecar(false))
        } catch {
            throw UsageError("\(error)")
        }
        print(ResultTable.render(outcomes))
        if !predictionErrors.isEmpty {
            func medianAbs(_ xs: [Double]) -> String { fixed(Summary(xs.map { abs($0) }).median * 100, 1) + "%" }
            let perBackend = Dictionary(grouping: predictionErrors, by: \.backend).sorted { $0.key < $1.key }
                .map { "\($0.key) \(medianAbs($0.value.map(\.error)))" }.joined(separator: ", ")
            print("host model vs measured: median absolute prediction error \(medianAbs(predictionErrors.map(\.error))) over \(predictionErrors.count) rows (\(perBackend))")
        }
        let ranking = Ranking.render(outcomes.map(\.row))
        if !ranking.isEmpty { print(ranking) }
        let env = environment()
        print("host peak (measured, \(threads) thread\(threads == 1 ? "" : "s")): " + peak.keys.sorted().map { "\($0) \(fixed(peak[$0]! / 1e9, 1)) GFLOP/s" }.joined(separator: ", "))
        print("OpenBLAS core: \(blas.coreName)\(blas.coreTypeOverride.isEmpty ? "" : " (OPENBLAS_CORETYPE=\(blas.coreTypeOverride))"); native kernels: \(NativeKernels.variant)")
        if !blas.warning.isEmpty, backends.contains(where: { $0.id == .cpuBLAS }) { printError("WARNING: \(blas.warning)") }
        if let w = env.noise?.warning, !w.isEmpty { printError("warning: \(w)") }
        for case let plugin as PluginBackend in backends { print("plugin \(plugin.id) log: \(plugin.logPath)") }
        print("results: \(destination.path)")
        print("sidecar: \(writer.sidecarURL.path)")
        let failures = outcomes.filter { $0.row.status.isFailure }
        if !failures.isEmpty {
            printError("\(failures.count) row(s) failed: " + failures.map { "\($0.row.caseID) on \($0.row.backend): \($0.row.status.rawValue)" }.joined(separator: "; "))
            return 1
        }
        return 0
    }
}

/// Timestamps in the formats results use.
enum Timestamp {
    /// ISO 8601 UTC, seconds precision: `2026-11-26T00:16:51Z`.
    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// For file names: `20261126T001651Z`.
    static func compact(_ date: Date) -> String {
        iso(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
