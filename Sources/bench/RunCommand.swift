import ArgumentParser
import BenchBLAS
import BenchComparison
import BenchCore
import BenchReport
import BenchResults
import BenchRun
import BenchModels
import BenchSession
import Foundation

/// `bench run`: parses the options into a ``RunRequest``, runs a ``RunSession`` with the
/// terminal reporter, and maps the outcome to an exit status.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a benchmark suite and write a results CSV plus its JSON sidecar.",
        discussion: """
            Exit status: 0 when every row is ok, unsupported or skipped; 1 when a row is \
            verify_failed or error (the run still completes); 2 for bad usage or input; \
            130 when interrupted (the finished rows are saved).
            """
    )

    @Option(help: "Suite to run (\(SuiteRegistry.all.map(\.name).joined(separator: ", "))).")
    var suite: String = "matmul"

    @Option(
        help:
            "Comma-separated backend ids and groups (all, measured, modeled; cpu-onednn runs only when named), and plugin:PATH for an out-of-process plugin."
    )
    var backend: String = "all"

    @Option(name: .customLong("case"), help: "Only cases whose id matches this regular expression.")
    var casePattern: String?

    @Option(help: "Comma-separated dtypes to run (e.g. fp32,fp64).")
    var dtype: DTypeList?

    @OptionGroup var threads: ThreadsOption

    @Option(
        parsing: .unconditional,
        help: "Seconds per case in all rounds together, warm-up included (default 2; --quick 0.2; --preset ci 1).")
    var budget: Double?

    @Option(
        name: .customLong("min-samples"), parsing: .unconditional,
        help:
            "Fewest samples per case in all rounds, even past the budget (default 10; --quick 6; --preset ci 60; 6 to 100000; at least 2 a round)."
    )
    var minSamples: Int?

    @Option(
        parsing: .unconditional,
        help:
            "Rounds per measured case, interleaved across the suite, each with its own warm-up (default 5; --quick 3).",
        transform: Rounds.parse)
    var rounds: Rounds?

    @Option(
        help:
            "Case list and measurement defaults: full (default), quick (same as --quick), ci (sized for regression gates).",
        transform: SuitePreset.parse)
    var preset: SuitePreset?

    @Option(
        help:
            "Output CSV path (default results/<suite>-<UTC timestamp>.csv, results/ created if missing; another folder must exist); the sidecar goes beside it as .json."
    )
    var out: String?

    @Flag(help: "A few small cases with a short budget, for smoke tests.")
    var quick = false

    @Option(
        name: .customLong("add-case"), help: "Also run this case id (repeatable), e.g. gemm/fp32/M=384,N=1536,K=512.")
    var addCase: [String] = []

    @Option(
        name: .customLong("assume"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Change a modelling choice of the modeled profiles (repeatable), e.g. attention=unfused or trainium1:step_efficiency=0.5; 'bench catalog' lists the keys.",
            valueName: "[PROFILE:]KEY=VALUE"))
    var assume: [String] = []

    @Option(
        name: .customLong("plugin-arg"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "An argument for the plugins (repeatable): ARG goes to every plugin, plugin:NAME=ARG only to the plugin whose path or file name (with or without extension) is NAME.",
            valueName: "[plugin:NAME=]ARG"))
    var pluginArg: [String] = []

    @Option(
        name: .customLong("case-timeout"), parsing: .unconditional,
        help: "Seconds a plugin may take for one prepare, run, verify or teardown (default 60).")
    var caseTimeout: Double = 60

    @Option(
        name: .customLong("max-case-seconds"), parsing: .unconditional,
        help:
            "Skip a host row whose fewest calls would take longer than this even at the host's measured peak (default 60; 0: no limit)."
    )
    var maxCaseSeconds: Double = 60

    @Option(
        name: .customLong("with-model"),
        help: "A host profile from bench calibrate: add the model's prediction and its error to every measured row.")
    var withModel: String?

    @Option(
        help: ArgumentHelp(
            "Run one shard of the selected cases: I/N (0 <= I < N; cases sorted by id, every N-th from I), or auto (from AWS Batch, Slurm or Kubernetes array variables, or BENCH_SHARD_INDEX/COUNT). docs/fleet.md.",
            valueName: "I/N|auto"))
    var shard: String?

    @Option(
        name: .customLong("fleet-run"),
        help: "The fleet run's id recorded with a shard (default: the engine's array job id, or BENCH_FLEET_RUN).")
    var fleetRun: String?

    @Flag(help: "Also write the HTML report (bench report) next to the CSV, as <name>.html.")
    var report = false

    @OptionGroup var measurement: MeasureOptions
    @OptionGroup var output: RunOutputOptions
    @OptionGroup var catalog: CatalogOptions
    @OptionGroup var hostPricing: HostPricingOptions

    @Option(help: "Compare the results with this baseline CSV when the run ends (same exit codes as bench compare).")
    var baseline: String?

    @Option(
        parsing: .unconditional,
        help: "With --baseline: the regression threshold, 5% or 0.05 (default 5%; 1% for counts).",
        transform: Threshold.parse)
    var threshold: Threshold?

    @Flag(name: .customLong("fail-on-model-change"), help: "With --baseline: fail when a modeled value changed.")
    var failOnModelChange = false

    @Option(
        name: .customLong("blas-coretype"),
        help: "Re-run with OPENBLAS_CORETYPE=NAME (or 'auto' for this CPU's best), e.g. SkylakeX.")
    var blasCoreType: String?

    func validate() throws {
        if quick, let preset, preset != .quick {
            throw ValidationError("--quick and --preset \(preset) ask for two case lists; give one")
        }
        if let budget, !(budget.isNormal && budget > 0 && budget <= 86_400) {
            throw ValidationError("--budget must be a positive number of seconds up to 86400, a day (got \(budget))")
        }
        if let minSamples, minSamples < 6 {
            throw ValidationError(
                "--min-samples must be at least 6, the fewest that give a 95% CI of the median (got \(minSamples))")
        }
        if let minSamples, minSamples > MeasurementPolicy.sampleCap {
            throw ValidationError(
                "--min-samples \(minSamples) is above the sample cap of \(MeasurementPolicy.sampleCap)")
        }
        if !(caseTimeout.isNormal && caseTimeout > 0 && caseTimeout <= 604_800) {
            throw ValidationError(
                "--case-timeout must be a positive number of seconds up to 604800, a week (got \(caseTimeout))")
        }
        if !(maxCaseSeconds.isFinite && maxCaseSeconds >= 0 && maxCaseSeconds <= 604_800) {
            throw ValidationError(
                "--max-case-seconds must be 0 (no limit) or a number of seconds up to 604800, a week (got \(maxCaseSeconds))"
            )
        }
        if let baseline, !FileManager.default.isReadableFile(atPath: baseline) {
            throw ValidationError("--baseline: '\(baseline)' does not exist or is not readable")
        }
        if let baseline, let out, let input = OutputFile.collision(output: out, writesSidecar: true, inputs: [baseline])
        {
            throw ValidationError(
                "--out '\(out)' would replace '\(input)' of the --baseline; the run would overwrite it before comparing"
            )
        }
        if let blasCoreType, blasCoreType != "auto",
            !OpenBLAS.knownCoreTypes.contains(where: { $0.caseInsensitiveCompare(blasCoreType) == .orderedSame })
        {
            throw ValidationError(
                "--blas-coretype: unknown core type '\(blasCoreType)' (valid: auto, \(OpenBLAS.knownCoreTypes.joined(separator: ", ")))"
            )
        }
    }

    /// The typed request the session resolves.
    var request: RunRequest {
        var r = RunRequest()
        r.suite = suite
        r.backends = backend
        r.casePattern = casePattern
        r.dtypes = dtype?.dtypes
        r.threads = threads.threads
        r.budgetSeconds = budget
        r.minSamples = minSamples
        r.out = out
        r.preset = preset ?? (quick ? .quick : .full)
        r.rounds = rounds?.count
        r.addedCases = addCase
        r.assumptions = assume
        r.pluginArguments = pluginArg
        r.caseTimeoutSeconds = caseTimeout
        r.maxCaseSeconds = maxCaseSeconds > 0 ? maxCaseSeconds : nil
        r.hostProfile = withModel
        r.pricing = hostPricing.request(catalog: catalog)
        r.requestedBLASCoreType = blasCoreType
        r.shard = shard
        r.fleetRun = fleetRun
        r.measure = measurement.measure
        r.countedCalls = measurement.countCalls
        return r
    }

    /// Cheap before expensive: every flag is checked and the baseline read before the re-exec
    /// (which starts bench again with the same flags), and the re-exec happens before any
    /// plugin starts, network request goes out or probe runs.
    func run() throws {
        let cpu = HostProbe.cpuInfo()
        try BuildInfo.checkISA(cpuFlags: cpu.flags)
        var checked = try request.checked()
        // Every file the run will write is checked before any work: the CSV, its sidecar and
        // the page (a link or a device is refused now, not after measuring).
        do {
            try OutputFile.checkReplaceable(checked.destination.path)
            try OutputFile.checkReplaceable(ResultWriter.sidecarURL(for: checked.destination).path)
            if report { try OutputFile.checkReplaceable(Self.reportPath(for: checked.destination).path) }
        } catch {
            throw UsageError("\(error)")
        }
        if checked.request.countedRow != nil { try runCountedRow(checked, cpu: cpu) }
        // Read the baseline before running anything, so a bad one fails fast (and once).
        let baselineSet = try baseline.map(Self.readBaseline)
        try reexecForCoreTypeIfNeeded(cpuFlags: cpu.flags)
        checked.request.countingPool = try countingPool(for: checked.request)
        defer { checked.request.countingPool?.finish() }
        let bmf = output.format == .bmf ? BMFOutput.begin() : nil
        let configuration = try RunConfiguration(resolving: checked, cpu: cpu)
        if let warning = threads.oversubscription { printError(warning) }
        let reporter = TerminalReporter(progress: isatty(STDERR_FILENO) == 1)
        let summary = try RunSession(configuration: configuration).run(reporter: reporter)
        var status: Int32 = summary.failures.isEmpty ? 0 : 1
        if report { try writeReport(of: summary, baseline: baselineSet) }
        if let baselineSet { status = max(status, try compare(summary, against: baselineSet)) }
        try bmf?.emit(rowsOf: summary.destination)
        throw ExitCode(status)
    }

    /// `--report`: the page `bench report` would write for this run, beside its CSV.
    func writeReport(of summary: RunSummary, baseline: ResultSet?) throws {
        let path = Self.reportPath(for: summary.destination).path
        do {
            let input = try ReportInput.load(
                files: [summary.destination.path], baseline: baseline, catalogOverlay: catalog.catalog)
            try OutputFile.write(Data(HTMLReport.render(input, generatedAt: Timestamp.iso(Date())).utf8), to: path)
        } catch {
            throw UsageError("\(error)")
        }
        print("report: \(path)")
    }

    /// Where `--report` writes the page: beside the CSV, as `<name>.html`.
    static func reportPath(for destination: URL) -> URL {
        destination.deletingPathExtension().appendingPathExtension("html")
    }

    /// Re-executes bench with `OPENBLAS_CORETYPE` set: OpenBLAS reads it when it
    /// loads, before any of our code runs, so setting it in-process is too late.
    func reexecForCoreTypeIfNeeded(cpuFlags: [String]) throws {
        guard let requested = blasCoreType else { return }
        let name: String
        if requested == "auto" {
            guard let auto = OpenBLAS.autoCoreType(cpuFlags: cpuFlags) else {
                throw UsageError("--blas-coretype auto: no better OpenBLAS core type for this CPU; leave the flag out")
            }
            name = auto
        } else {
            name = OpenBLAS.knownCoreTypes.first { $0.caseInsensitiveCompare(requested) == .orderedSame } ?? requested
        }
        let env = ProcessInfo.processInfo.environment
        if env["OPENBLAS_CORETYPE"] == name { return }
        if env["BENCH_REEXECED"] != nil {
            throw UsageError("--blas-coretype: OPENBLAS_CORETYPE=\(name) did not take effect after re-executing")
        }
        setenv("OPENBLAS_CORETYPE", name, 1)
        setenv("BENCH_REEXECED", "1", 1)
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        throw UsageError("--blas-coretype: could not re-execute bench: \(String(cString: strerror(errno)))")
    }
}
