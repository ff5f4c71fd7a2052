import BenchComparison
import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("Mann–Whitney U test")
struct MannWhitneyTests {
    @Test(
        "exact p-values match full enumeration (hand-checked with Python)",
        arguments: [
            ([1.0, 2, 3], [4.0, 5, 6], 0.0, 0.1),
            ([1.0, 2, 2, 3], [2.0, 3, 4, 5], 2.5, 0.2),  // ties across the samples
            ([5.0, 5, 5], [5.0, 5, 5], 4.5, 1.0),  // identical samples
            ([1.0], [2.0], 0.0, 1.0),  // tiny samples can never be significant
        ])
    func exact(a: [Double], b: [Double], u: Double, p: Double) throws {
        let r = try #require(MannWhitney.test(a, b))
        #expect(r.isExact)
        #expect(r.u == u)
        #expect(abs(r.pValue - p) < 1e-12)
    }

    @Test("large samples use the normal approximation with tie and continuity corrections (matches SciPy)")
    func asymptotic() throws {
        let a = (0..<30).map(Double.init), b = (0..<30).map { Double($0) + 8.5 }
        let r = try #require(MannWhitney.test(a, b))
        #expect(!r.isExact)
        #expect(r.u == 231)
        #expect(abs(r.pValue - 0.001236184563209011) < 1e-9)
        let tiedA = (0..<30).map { Double($0 % 7) }, tiedB = (0..<30).map { Double($0 % 7 + 1) }
        let t = try #require(MannWhitney.test(tiedA, tiedB))
        #expect(abs(t.pValue - 0.07581905416784061) < 1e-9)
    }

    @Test("an empty sample gives no test")
    func empty() { #expect(MannWhitney.test([], [1]) == nil) }
}

@Suite("Comparison verdicts")
struct ComparisonVerdictTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("BenchCLITests/Fixtures/compare")

    func set(_ name: String) throws -> ResultSet {
        try ResultSet(path: Self.fixtures.appendingPathComponent(name + ".csv").path)
    }

    func verdicts(_ report: ComparisonReport) -> [String: Verdict] {
        Dictionary(uniqueKeysWithValues: report.rows.map { ("\($0.key.caseID) \($0.key.backend)", $0.verdict) })
    }

    @Test("a 10% slowdown is flagged as a regression and a 10% speed-up as an improvement (U test)")
    func regression() throws {
        let report = Comparator.compare(try set("baseline"), try set("regressed"), options: ComparisonOptions())
        let v = verdicts(report)
        #expect(v["gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .regressed)
        #expect(v["gemm/fp32/M=64,N=64,K=64 cpu-swift"] == .improved)
        #expect(v["gemm/fp64/M=64,N=64,K=64 cpu-blas"] == .unchanged)
        #expect(report.rows.allSatisfy { $0.evidence.hasPrefix("U test") })
        let blas = try #require(report.summaries.first { $0.backend == "cpu-blas" })
        #expect(blas.counts[.regressed] == 1)
        #expect(abs((blas.geometricMeanRatio ?? 0) - (1.10 * 1.0).squareRoot()) < 0.01)
    }

    @Test("the same machine and build twice gives no regression")
    func sameRun() throws {
        let report = Comparator.compare(try set("baseline"), try set("same"), options: ComparisonOptions())
        #expect(report.rows.allSatisfy { $0.verdict == .unchanged })
    }

    @Test("without a sidecar the verdict rests on disjoint CI columns, and the output says so")
    func noSidecar() throws {
        let report = Comparator.compare(
            try set("baseline"), try set("regressed_nosidecar"), options: ComparisonOptions())
        #expect(verdicts(report)["gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .regressed)
        #expect(report.rows.allSatisfy { $0.evidence.hasPrefix("CIs") })
        #expect(report.notes.contains { $0.contains("has no sidecar") })
    }

    @Test("a change beyond the threshold that the test cannot confirm is inconclusive")
    func inconclusive() throws {
        var options = ComparisonOptions()
        options.alpha = 1e-300  // nothing is significant at this level
        let report = Comparator.compare(try set("baseline"), try set("regressed"), options: options)
        #expect(verdicts(report)["gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .inconclusive)
    }

    @Test("thresholds: a higher threshold or a per-case override turns the regression into unchanged")
    func thresholds() throws {
        var options = ComparisonOptions()
        options.threshold = 0.15
        #expect(
            verdicts(Comparator.compare(try set("baseline"), try set("regressed"), options: options))[
                "gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .unchanged)
        options.threshold = 0.05
        options.overrides = [try ThresholdOverride(pattern: "^gemm/fp32/", metric: .medianSeconds, threshold: 0.2)]
        #expect(
            verdicts(Comparator.compare(try set("baseline"), try set("regressed"), options: options))[
                "gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .unchanged)
        #expect(ComparisonOptions.parseThreshold("5%") == 0.05)
        #expect(ComparisonOptions.parseThreshold("0.05") == 0.05)
        #expect(ComparisonOptions.parseThreshold("-1%") == nil)
        #expect(ComparisonOptions.parseThreshold("fast") == nil)
        #expect(ComparisonOptions.parseThreshold("0") == 0)
        #expect(ComparisonOptions.parseThreshold("10000%") == 100)
        for subnormalOrHuge in ["5e-324", "1e-320", "10001%", "1e308", "nan", "inf"] {
            #expect(ComparisonOptions.parseThreshold(subnormalOrHuge) == nil, "\(subnormalOrHuge)")
        }
    }

    @Test("higher-is-better metrics see the same slowdown as a regression")
    func throughputMetric() throws {
        var options = ComparisonOptions()
        options.metric = .throughput
        let report = Comparator.compare(try set("baseline"), try set("regressed"), options: options)
        #expect(verdicts(report)["gemm/fp32/M=64,N=64,K=64 cpu-blas"] == .regressed)
        let row = try #require(
            report.rows.first { $0.key.backend == "cpu-blas" && $0.key.caseID.hasPrefix("gemm/fp32") })
        #expect((row.relativeChange ?? 0) < -0.08)
    }

    @Test("new and missing rows are reported, never dropped")
    func newAndMissing() throws {
        let report = Comparator.compare(try set("baseline"), try set("new_missing"), options: ComparisonOptions())
        #expect(report.count(.missing) == 1)
        #expect(report.count(.new) == 1)
        #expect(report.rows.count == 4)
    }

    @Test("rows whose status is not ok are not comparable, with the reason")
    func failedRows() throws {
        let report = Comparator.compare(try set("baseline"), try set("failed"), options: ComparisonOptions())
        let row = try #require(report.rows.first { $0.verdict == .notComparable })
        #expect(row.reason.contains("verify_failed"))
    }

    @Test("measured rows from another host are not comparable unless --allow-cross-host")
    func crossHost() throws {
        let report = Comparator.compare(try set("baseline"), try set("other_host"), options: ComparisonOptions())
        #expect(report.rows.allSatisfy { $0.verdict == .notComparable })
        #expect(report.notes.contains { $0.contains("Other CPU") })
        var options = ComparisonOptions()
        options.allowCrossHost = true
        #expect(
            Comparator.compare(try set("baseline"), try set("other_host"), options: options).count(.notComparable) == 0)
    }

    @Test("--backends compares two backends of one file on (suite, case, threads)")
    func backendsMode() throws {
        var options = ComparisonOptions()
        options.backendPair = ("cpu-blas", "cpu-swift")
        let base = try set("baseline")
        let report = Comparator.compare(base, base, options: options)
        let row = try #require(report.rows.first { $0.verdict != .missing })
        #expect(row.baselineBackend == "cpu-blas")
        #expect(row.key.backend == "cpu-swift")
        #expect(row.verdict == .regressed)  // cpu-swift takes 1.5× cpu-blas's time
        #expect(report.count(.missing) == 1)  // fp64 has no cpu-swift row in the fixture's pairing
    }

    @Test("modeled rows compare exactly: any change is model_changed")
    func modeled() throws {
        var a = makeRow(median: 0.001), b = makeRow(median: 0.0010000001)
        a.backendKind = .modeled
        b.backendKind = .modeled
        a.samples = 0
        b.samples = 0
        let report = Comparator.compare(
            ResultSet(path: "a", columns: ResultSchema.columnNames, rows: [a], sidecar: nil),
            ResultSet(path: "b", columns: ResultSchema.columnNames, rows: [b], sidecar: nil),
            options: ComparisonOptions())
        #expect(report.rows.first?.verdict == .modelChanged)
    }

    @Test("a sidecar from another run, or with other rows, is refused")
    func sidecarMismatch() {
        #expect(throws: ResultFileError.self) { try set("sidecar_mismatch") }
    }

    @Test("thresholds files are read as YAML or JSON and validated")
    func thresholdFile() throws {
        let dir = try temporaryDirectory()
        let yaml = dir.appendingPathComponent("t.yaml")
        try "- case: '^gemm/fp64/'\n  metric: median_s\n  threshold: 10%\n- case: '.*'\n  threshold: 0.07\n".write(
            to: yaml, atomically: true, encoding: .utf8)
        let overrides = try ThresholdFile.read(path: yaml.path)
        #expect(overrides.map(\.threshold) == [0.1, 0.07])
        let json = dir.appendingPathComponent("t.json")
        try #"[{"case": "x", "metric": "tflops", "threshold": "5%"}]"#.write(
            to: json, atomically: true, encoding: .utf8)
        #expect(try ThresholdFile.read(path: json.path).first?.metric == .tflops)
        let bad = dir.appendingPathComponent("bad.yaml")
        try "- case: x\n  metric: speed\n  threshold: 5%\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect { try ThresholdFile.read(path: bad.path) } throws: { "\($0)".contains("unknown metric 'speed'") }
    }
}
