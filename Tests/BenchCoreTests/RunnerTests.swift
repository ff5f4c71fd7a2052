import BenchCore
import BenchTraining
import BenchResults
import BenchRun
import BenchTestSupport
import Foundation
import Testing

@Suite("Runner and verification")
struct RunnerTests {
    let config = TestRun(
        policy: MeasurementPolicy(warmupMinCalls: 1, warmupMinSeconds: 0, minSamples: 6, budgetSeconds: 0.01),
        peakFLOPS: [.fp64: 1e12])

    @Test("a deliberately wrong kernel (dropping the last k term) fails verification")
    func wrongKernelCaught() throws {
        let kc = try KernelCase(parsing: "gemm/fp64/M=13,N=17,K=19")
        let good = GEMMProblem<Double>(kc)
        ScriptedBackend.naive(good)
        #expect(good.verify().passed)
        let bad = GEMMProblem<Double>(kc)
        ScriptedBackend.naive(bad, droppingLastTerm: true)
        let v = bad.verify()
        #expect(!v.passed)
        #expect(v.worstErrorRatio > 100)
        #expect(v.detail.contains("reference"))
    }

    @Test("a kernel that never writes C fails verification (C starts as NaN)")
    func unwrittenOutput() throws {
        let p = GEMMProblem<Double>(try KernelCase(parsing: "gemm/fp64/M=4,N=4,K=4"))
        #expect(!p.verify().passed)
    }

    @Test("the runner marks a wrong kernel verify_failed and reports no speed")
    func runnerVerifyFailed() throws {
        let backend = ScriptedBackend { ScriptedBackend.naive($0, droppingLastTerm: true) }
        let outcome = config.runner.runOne(
            try KernelCase(parsing: "gemm/fp64/M=8,N=8,K=8"), on: backend)
        #expect(outcome.row.status == .verifyFailed)
        #expect(outcome.row.medianSeconds == nil)
        #expect(outcome.row.tflops == nil)
        #expect(outcome.row.status.isFailure)
    }

    @Test("a correct kernel gives an ok row with statistics and throughput")
    func runnerOK() throws {
        let outcome = config.runner.runOne(
            try KernelCase(parsing: "gemm/fp64/M=8,N=8,K=8"), on: ScriptedBackend())
        let row = outcome.row
        #expect(row.status == .ok)
        #expect(row.samples >= 6)
        let median = try #require(row.medianSeconds)
        #expect(try #require(row.ciLowSeconds) <= median)
        #expect(try #require(row.ciHighSeconds) >= median)
        #expect(try #require(row.throughput) == 1 / median)
        #expect(row.flops == 1024)
        #expect(outcome.sidecar.samplesSeconds.count == row.samples)
    }

    @Test(
        "a row above the measured peak probes it again; still above within the probe's spread: no MFU; beyond it: an error"
    )
    func peakReprobe() throws {
        let kc = try KernelCase(parsing: "gemm/fp64/M=8,N=8,K=8")
        var low = config
        low.peakFLOPS = [.fp64: 1]  // 1 FLOP/s: every row beats it
        low.peakProbe = { _ in 1e18 }
        let reprobed = low.runner.runOne(kc, on: ScriptedBackend())
        let mfu = try #require(reprobed.fractionOfPeak)
        #expect(mfu > 0 && mfu < 1)
        #expect(reprobed.row.notes.contains("of measured peak 1000000000.0 GFLOP/s"))
        // The raised peak is kept: the runner's next row needs no probe.
        let probes = Counter()
        low.peakProbe = { _ in
            probes.increment(); return 1e18
        }
        let runner = low.runner
        _ = runner.runOne(kc, on: ScriptedBackend())
        #expect(runner.runOne(kc, on: ScriptedBackend()).fractionOfPeak != nil)
        #expect(probes.value == 1)
        low.peakProbe = { _ in 2 }
        low.peakSpread = [.fp64: 1e30]  // a probe this unsteady cannot rule anything out
        let still = low.runner.runOne(kc, on: ScriptedBackend())
        #expect(still.row.status == .ok)
        #expect(still.fractionOfPeak == nil)
        #expect(still.row.notes.contains("no MFU"))
        low.peakSpread = [.fp64: 0.02]  // a steady probe: a row far above it is impossible
        let impossible = low.runner.runOne(kc, on: ScriptedBackend())
        #expect(impossible.row.status == .error)
        #expect(impossible.row.notes.contains("impossible speed") && impossible.row.medianSeconds == nil)
        low.peakProbe = nil
        low.peakSpread = [.fp64: 1e30]
        #expect(low.runner.runOne(kc, on: ScriptedBackend()).fractionOfPeak == nil)
    }

    @Test("a backend without the dtype yields an unsupported row and the run goes on")
    func unsupported() throws {
        var rows: [ResultRow] = []
        let cases = [
            try KernelCase(parsing: "gemm/fp32/M=4,N=4,K=4"), try KernelCase(parsing: "gemm/fp64/M=4,N=4,K=4"),
        ]
        config.runner.run(cases: cases, backends: [ScriptedBackend()]) { rows.append($0.row) }
        #expect(rows.map(\.status) == [.unsupported, .ok])
        #expect(rows[0].notes.contains("fp32"))
    }

    @Test("a host row whose fewest calls would outlast --max-case-seconds at the measured peak is skipped, saying why")
    func tooLong() throws {
        let kc = try KernelCase(parsing: "gemm/fp64/M=8,N=8,K=8")  // 1024 FLOP
        var run = config
        run.peakFLOPS = [.fp64: 1000]  // 7 calls (1 warm-up, 6 samples) × 1024 FLOP: at least 7.2 s
        run.maxCaseSeconds = 5
        let skipped = run.runner.runOne(kc, on: ScriptedBackend()).row
        #expect(skipped.status == .skipped && !skipped.status.isFailure)
        #expect(skipped.medianSeconds == nil && skipped.samples == 0)
        #expect(skipped.notes.hasPrefix("skipped: its fewest calls (7: 1 rounds of 1 warm-up and 6 samples)"))
        #expect(skipped.notes.contains("at least 7.2 s at this host's measured fp64 peak"), "\(skipped.notes)")
        #expect(skipped.notes.contains("pass --max-case-seconds 0 to run it"))
        // Within the limit, or with none, the row runs (and, far above this made-up peak, is an
        // impossible-speed error: measured, not skipped).
        run.maxCaseSeconds = 8
        #expect(run.runner.runOne(kc, on: ScriptedBackend()).row.notes.contains("impossible speed"))
        run.maxCaseSeconds = nil
        #expect(run.runner.runOne(kc, on: ScriptedBackend()).row.notes.contains("impossible speed"))
        // No measured peak for the dtype: nothing to bound the time by, so the row runs.
        run.maxCaseSeconds = 5
        run.peakFLOPS = [:]
        #expect(run.runner.runOne(kc, on: ScriptedBackend()).row.status == .ok)
    }

    @Test("a backend that throws yields an error row with the reason")
    func errorRow() throws {
        let backend = ScriptedBackend { _ in throw BackendError.failed("device lost") }
        let row = config.runner.runOne(try KernelCase(parsing: "gemm/fp64/M=4,N=4,K=4"), on: backend)
            .row
        #expect(row.status == .error)
        #expect(row.notes == "device lost")
    }
}

/// A modeled backend whose model answers a fixed time (0 s: an impossible answer).
final class FixedModelBackend: ModeledBackend {
    let id = BackendID("fixed-model")
    let kind = BackendKind.modeled
    let device = "a model that answers 0 s"
    let dtypes: [DType] = [.fp32]
    let catalogVersion = "test"
    let seconds: Double
    init(seconds: Double) { self.seconds = seconds }
    func unsupportedReason(for kernelCase: KernelCase) -> String? { nil }
    func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        throw BackendError.failed("modeled")
    }
    func estimate(_ kernelCase: KernelCase) throws -> ModeledEstimate {
        ModeledEstimate(seconds: seconds, bound: .compute, peakFLOPS: 1e12, notes: "fixed")
    }
}

@Suite("No non-finite number reaches a row")
struct NonFiniteRowTests {
    @Test("a zero time (infinite TFLOP/s) makes the row an error naming the column, with no speed or cost")
    func zeroTime() throws {
        let config = TestRun(
            policy: .quick, peakFLOPS: [:],
            prices: [BackendID("fixed-model"): PriceQuote(usdPerHour: 2, note: "")])
        let outcome = config.runner.runOne(
            try KernelCase(parsing: "gemm/fp32/M=64,N=64,K=64"), on: FixedModelBackend(seconds: 0))
        #expect(outcome.row.status == .error)
        #expect(outcome.row.notes.contains("tflops would be inf"))
        #expect(outcome.row.nonFiniteColumn() == nil)
        #expect(outcome.row.tflops == nil && outcome.row.usdPerPFLOP == nil && outcome.row.medianSeconds == nil)
    }
}
