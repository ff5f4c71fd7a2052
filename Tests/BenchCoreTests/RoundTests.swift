import BenchComparison
import BenchCore
import BenchResults
import BenchRun
import BenchTestSupport
import Foundation
import Testing

@Suite("Student's t distribution")
struct StudentTTests {
    @Test(
        "quantiles match published tables",
        arguments: [
            (0.975, 1.0, 12.7062047362), (0.975, 4.0, 2.7764451052), (0.995, 4.0, 4.6040948713),
            (0.995, 8.0, 3.3553873313), (0.975, 30.0, 2.0422724563), (0.9, 2.0, 1.8856180832),
        ])
    func quantiles(p: Double, nu: Double, t: Double) {
        #expect(abs(StudentT.quantile(p, degreesOfFreedom: nu) - t) < 1e-8)
        #expect(abs(StudentT.cdf(t, degreesOfFreedom: nu) - p) < 1e-10)
        #expect(abs(StudentT.quantile(1 - p, degreesOfFreedom: nu) + t) < 1e-8)
    }

    @Test("two-sided p-values are symmetric and run from 1 at 0 towards 0")
    func pValues() {
        #expect(StudentT.twoSidedP(0, degreesOfFreedom: 5) == 1)
        #expect(abs(StudentT.twoSidedP(2.7764451052, degreesOfFreedom: 4) - 0.05) < 1e-9)
        #expect(abs(StudentT.twoSidedP(-2.7764451052, degreesOfFreedom: 4) - 0.05) < 1e-9)
        #expect(StudentT.twoSidedP(.infinity, degreesOfFreedom: 3) == 0)
        #expect(StudentT.twoSidedP(.nan, degreesOfFreedom: 3) == 1)
    }
}

/// Rounds of samples around `base`, each round shifted by its factor, with ±`jitter` inside a round.
func rounds(_ base: Double, _ factors: [Double], jitter: Double = 0.002, samples: Int = 8, seed: UInt64 = 1)
    -> [[Double]]
{
    var state = seed
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    return factors.map { f in (0..<samples).map { _ in base * f * (1 + jitter * (2 * next() - 1)) } }
}

@Suite("Rounds: spread, robust view and test")
struct RoundSpreadTests {
    @Test("a round spread keeps each round's median; its interval is the t interval of the log medians")
    func spread() throws {
        let s = try #require(RoundSpread(medians: [1, 2, 4]))
        #expect(abs(s.logMean - log(2)) < 1e-12)
        #expect(abs(s.logSD - log(2)) < 1e-12)
        let ci = try #require(s.interval(level: 0.95))
        let h = 4.3026527297 * log(2) / 3.0.squareRoot()
        #expect(abs(ci.lowerBound - 2 * exp(-h)) < 1e-6)
        #expect(abs(ci.upperBound - 2 * exp(h)) < 1e-6)
        #expect(RoundSpread(medians: [1]).map { $0.interval() == nil } == true)
        #expect(RoundSpread(medians: []) == nil)
        #expect(RoundSpread(medians: [1, 0]) == nil)
        #expect(RoundSpread(rounds: [[1, 2, 3], []]) == nil)
    }

    @Test("the robust view keeps the faster half of the rounds: slowed rounds do not move it")
    func fastest() throws {
        let s = try #require(RoundSpread(medians: [1.0, 1.5, 1.01, 1.6, 0.99, 1.02, 1.45, 1.0, 1.5, 1.01]))
        #expect(s.robustCount == 5)
        let fast = s.fastest(s.robustCount)
        #expect(fast.medians == [0.99, 1.0, 1.0, 1.01, 1.01])
        #expect(fast.relativeSpread < 0.01)
        #expect(try #require(RoundSpread(medians: [3, 1])).robustCount == 2)
        #expect(try #require(RoundSpread(medians: [3, 1, 2])).robustCount == 2)
    }

    @Test("Welch's test on log medians finds a real shift and not a reshuffle")
    func test() throws {
        let a = try #require(RoundSpread(medians: [1.00, 1.01, 0.99, 1.00, 1.02]))
        let same = try #require(RoundSpread(medians: [1.01, 0.99, 1.00, 1.02, 1.00]))
        let slower = try #require(RoundSpread(medians: [1.10, 1.11, 1.09, 1.10, 1.12]))
        let t0 = try #require(RoundTest(baseline: a, candidate: same))
        #expect(t0.pValue > 0.5)
        let t1 = try #require(RoundTest(baseline: a, candidate: slower))
        #expect(abs(exp(t1.logRatio) - 1.10) < 0.002)
        #expect(t1.pValue < 1e-6)
        #expect(t1.halfWidth(alpha: 0.01) < 0.03)
        #expect(RoundTest(baseline: try #require(RoundSpread(medians: [1])), candidate: a) == nil)
        // Identical rounds on both sides: any difference is exact.
        let flat = try #require(RoundSpread(medians: [1, 1, 1]))
        let flat2 = try #require(RoundSpread(medians: [2, 2, 2]))
        #expect(try #require(RoundTest(baseline: flat, candidate: flat)).pValue == 1)
        #expect(try #require(RoundTest(baseline: flat, candidate: flat2)).pValue == 0)
    }
}

@Suite("compare on rounds")
struct RoundCompareTests {
    func environment() -> HostEnvironment { testEnvironment() }

    /// A one-row result whose samples come in `rounds` (or pooled, without round records).
    func result(_ path: String, _ rounds: [[Double]], recordRounds: Bool = true) -> ResultSet {
        let pooled = rounds.flatMap { $0 }
        let summary = Summary(pooled)
        var row = makeRow(median: summary.median)
        row.runID = "run-of-\(path)"  // each file its own run, as bench writes them
        row.samples = pooled.count
        row.rounds = recordRounds ? rounds.count : nil
        row.ciLowSeconds = summary.confidenceInterval?.lowerBound
        row.ciHighSeconds = summary.confidenceInterval?.upperBound
        var side = SidecarRow(
            key: row.key, status: .ok, samplesSeconds: pooled, callsPerSample: 1, warmupCalls: 1, stopReason: .budget)
        if recordRounds {
            side.rounds = rounds.map {
                SidecarRound(samples: $0.count, callsPerSample: 1, warmupCalls: 1, stopReason: .budget)
            }
        }
        let sidecar = Sidecar(
            runID: row.runID, csvFile: path, suite: "matmul", startedAt: "t", finishedAt: "t", interrupted: false,
            environment: environment(), rows: [side])
        return ResultSet(path: path, columns: ResultSchema.columnNames, rows: [row], sidecar: sidecar)
    }

    func compare(_ a: ResultSet, _ b: ResultSet, threshold: Double = 0.05) -> RowComparison {
        var options = ComparisonOptions()
        options.threshold = threshold
        return Comparator.compare(a, b, options: options).rows[0]
    }

    @Test("a shift between runs that the rounds also show within a run is not called a regression")
    func betweenRunShiftIsNotARegression() {
        // Both runs' rounds wander by ±8%; the second run happens to sit 7% higher. Within-run
        // samples are tight (±0.2%), so a test on the raw samples calls that overwhelming.
        let a = result("a.csv", rounds(1e-3, [1.00, 0.92, 1.08, 0.95, 1.06, 1.00, 0.93, 1.07, 0.98, 1.03]))
        let b = result("b.csv", rounds(1e-3, [1.07, 0.99, 1.15, 1.02, 1.13, 1.07, 1.00, 1.14, 1.05, 1.10], seed: 2))
        let r = compare(a, b)
        #expect(r.verdict == .noisy)
        #expect(r.evidence.hasPrefix("t test on the fastest 5+5 of 10+10 round medians"))
        #expect(r.threshold > 0.05)
        #expect(r.reason.contains("could tell"))
    }

    @Test("a real change beyond the threshold is a regression (or an improvement); steady rounds are unchanged")
    func realChange() {
        let a = result("a.csv", rounds(1e-3, [1.00, 1.01, 0.99, 1.00, 1.01, 0.99, 1.00, 1.02, 0.99, 1.00]))
        let slow = result(
            "b.csv", rounds(1.2e-3, [1.00, 0.99, 1.01, 1.00, 1.00, 1.01, 0.99, 1.00, 1.01, 1.00], seed: 3))
        let fast = result(
            "c.csv", rounds(0.8e-3, [1.00, 0.99, 1.01, 1.00, 1.00, 1.01, 0.99, 1.00, 1.01, 1.00], seed: 4))
        let same = result(
            "d.csv", rounds(1.01e-3, [1.00, 0.99, 1.01, 1.00, 1.00, 1.01, 0.99, 1.00, 1.01, 1.00], seed: 5))
        #expect(compare(a, slow).verdict == .regressed)
        #expect(compare(a, fast).verdict == .improved)
        let r = compare(a, same)
        #expect(r.verdict == .unchanged)
        #expect(r.threshold == 0.05)
        // A few rounds slowed by interference on the candidate side do not make a regression.
        let disturbed = result(
            "e.csv", rounds(1e-3, [1.00, 1.45, 0.99, 1.50, 1.01, 1.00, 1.40, 0.99, 1.00, 1.35], seed: 6))
        #expect(compare(a, disturbed).verdict == .unchanged)
    }

    @Test("noisy rows are counted and fail the gate only with --strict")
    func noisyGate() {
        let a = result("a.csv", rounds(1e-3, [1.00, 0.80, 1.20, 0.90, 1.10, 1.00]))
        let b = result("b.csv", rounds(1e-3, [1.10, 0.85, 1.25, 0.95, 1.00, 1.15], seed: 7))
        let report = Comparator.compare(a, b, options: ComparisonOptions())
        #expect(report.count(.noisy) == 1)
        #expect(Comparator.exitStatus(report, strict: false, failOnModelChange: false) == 0)
        #expect(Comparator.exitStatus(report, strict: true, failOnModelChange: false) == 1)
        let table = ReportFormat.table.render(report, color: false)
        #expect(table.contains("noisy"))
        #expect(table.contains("1 noisy"))
        #expect(ReportFormat.junit.render(report, color: false).contains("<skipped message=\"noisy"))
    }

    @Test("a file with rounds against one without compares on the raw samples and says which side lacks rounds")
    func mixed() {
        let a = result("old.csv", rounds(1e-3, [1.0, 1.0, 1.0]), recordRounds: false)
        let b = result("new.csv", rounds(1e-3, [1.0, 1.0, 1.0], seed: 9))
        let r = compare(a, b)
        #expect(r.evidence.hasPrefix("U test"))
        #expect(r.evidence.contains("old.csv has no rounds"))
        #expect(r.verdict == .unchanged)
    }
}
