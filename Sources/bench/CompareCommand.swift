import ArgumentParser
import BenchComparison
import BenchCore
import BenchResults
import Foundation

/// `bench compare`: significance-tested diff of two result CSVs, for CI gates.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two result CSVs (or two backends) with significance tests; exit 1 on a regression.",
        discussion: """
            Rows match on (suite, case_id, backend, threads); with --backends BASE,CAND on (suite, case_id, \
            threads), from one file or two. A regression needs a change worse than the threshold \
            (default 5%) and a real difference. When both sidecars have the rows' rounds, the test is \
            Welch's t test on the log round medians at --alpha, and the threshold is raised to the \
            smallest change the rounds can tell apart; a row whose rounds vary too much to tell a change \
            of the threshold's size is noisy. Without rounds: the threshold is raised to 3x the larger \
            relative CI half-width, and the test is the Mann-Whitney U test on the raw samples; else \
            disjoint CI columns; else the threshold alone. Exit status: 0 no regression; 1 a regression \
            (or a model change with --fail-on-model-change; inconclusive, noisy or not-comparable rows \
            with --strict); 2 bad usage or input.
            """
    )

    @Argument(help: "Baseline CSV.")
    var baseline: String

    @Argument(help: "Candidate CSV (optional with --backends: then both sides come from the baseline file).")
    var candidate: String?

    @Option(
        help:
            "Metric: \(Metric.all.map(\.rawValue).joined(separator: ", ")) (default median_s; est_cycles for files of bench run --measure counts).",
        transform: Metric.parse)
    var metric: Metric?

    // .unconditional: a negative value is a value to refuse, not a missing one.
    @Option(
        parsing: .unconditional, help: "Relative threshold, written 5% or 0.05 (default 5%; 1% for counts).",
        transform: Threshold.parse)
    var threshold: Threshold?

    @Option(help: "JSON or YAML list of {case: REGEX, metric: NAME, threshold: 5%} overrides.")
    var thresholds: String?

    @Option(
        parsing: .unconditional,
        help: "Significance level of the test (round medians' t test, or the Mann-Whitney U test).")
    var alpha: Double = 0.01

    @Option(help: "Compare backend BASE (baseline side) with backend CAND (candidate side): BASE,CAND.")
    var backends: String?

    @Option(
        help:
            "Compare the measured rows of host BASE (baseline side) with those of host CAND (candidate side), e.g. two instance types of a merged fleet run: BASE,CAND."
    )
    var hosts: String?

    @Option(help: "Output format: table, markdown, json, junit.", transform: ReportFormat.parse)
    var format: ReportFormat = .table

    @Option(help: "Write the report to this file instead of standard output.")
    var out: String?

    @Flag(help: "Also fail (exit 1) on inconclusive, noisy, not-comparable, missing and new rows.")
    var strict = false

    @Flag(name: .customLong("fail-on-model-change"), help: "Fail (exit 1) when a modeled value changed.")
    var failOnModelChange = false

    @Flag(name: .customLong("allow-cross-host"), help: "Compare measured rows from different hosts or BLAS core types.")
    var allowCrossHost = false

    func validate() throws {
        if !(alpha.isNormal && alpha > 0 && alpha < 1) {
            throw ValidationError("--alpha must be between 0 and 1, and not subnormal (got \(alpha))")
        }
        if let b = backends, b.split(separator: ",").count != 2 {
            throw ValidationError("--backends takes BASE_ID,CAND_ID (got '\(b)')")
        }
        if let h = hosts, h.split(separator: ",").count != 2 {
            throw ValidationError("--hosts takes BASE_HOST,CAND_HOST (got '\(h)')")
        }
        if hosts != nil && backends != nil { throw ValidationError("give --hosts or --backends, not both") }
        if candidate == nil && backends == nil && hosts == nil {
            throw ValidationError(
                "give a candidate CSV (or --backends BASE,CAND / --hosts BASE,CAND to compare within one file)")
        }
        if let out,
            let input = OutputFile.collision(
                output: out, writesSidecar: false, inputs: [baseline, candidate].compactMap { $0 })
        {
            throw ValidationError("--out '\(out)' is the input '\(input)'; the report would replace it")
        }
    }

    func run() throws {
        var options = try makeOptions()
        options.allowCrossHost = allowCrossHost
        let report = try Comparator.compare(
            baselinePath: baseline, candidatePath: candidate ?? baseline, options: options)
        try emit(report)
        throw ExitCode(Comparator.exitStatus(report, strict: strict, failOnModelChange: failOnModelChange))
    }

    func makeOptions() throws -> ComparisonOptions {
        var options = ComparisonOptions()
        if let metric { options.metric = metric }
        if let threshold { options.threshold = threshold.fraction }
        options.metricChosen = metric != nil
        options.thresholdChosen = threshold != nil
        options.alpha = alpha
        if let b = backends {
            let parts = b.split(separator: ",").map { BackendID($0.trimmingCharacters(in: .whitespaces)) }
            options.backendPair = (parts[0], parts[1])
        }
        if let h = hosts {
            let parts = h.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            options.hostPair = (parts[0], parts[1])
        }
        if let file = thresholds {
            do {
                options.overrides = try ThresholdFile.read(path: file)
            } catch {
                throw UsageError("\(error)")
            }
        }
        return options
    }

    func emit(_ report: ComparisonReport) throws {
        let fmt = format
        let color = out == nil && fmt == .table && isatty(STDOUT_FILENO) == 1
        let text = fmt.render(report, color: color) + "\n"
        if let out {
            do {
                try OutputFile.write(Data(text.utf8), to: out)
            } catch {
                throw UsageError("--out: \(error)")
            }
        } else {
            print(text, terminator: "")
        }
    }
}
