import BenchComparison
import BenchCore
import BenchResults
import BenchRun
import BenchTestSupport
import Foundation
import Testing

@Suite("Runner rounds")
struct RunnerRoundTests {
    /// A backend that records the order in which cases are prepared.
    final class RecordingBackend: Backend, @unchecked Sendable {
        let id = BackendID("recording")
        let kind = BackendKind.measured
        let device = "recording device"
        let dtypes: [DType] = [.fp64]
        private let lock = NSLock()
        private var log: [String] = []
        var prepared: [String] {
            lock.lock()
            defer { lock.unlock() }
            return log
        }
        func unsupportedReason(for kernelCase: KernelCase) -> String? { dtypeUnsupportedReason(for: kernelCase) }
        func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
            lock.lock()
            log.append(kernelCase.shape)
            lock.unlock()
            return try ScriptedBackend().prepare(kernelCase, threads: threads)
        }
    }

    func configuration(rounds: Int) -> TestRun {
        TestRun(
            policy: MeasurementPolicy(
                warmupMinCalls: 1, warmupMinSeconds: 0, minSamples: 6, budgetSeconds: 0.003 * Double(rounds),
                rounds: rounds),
            peakFLOPS: [:])
    }

    @Test("rounds are interleaved across the cases, each prepared afresh, and recorded per round")
    func interleaved() throws {
        let cases = try ["gemm/fp64/M=4,N=4,K=4", "gemm/fp64/M=8,N=8,K=8"].map { try KernelCase(parsing: $0) }
        let backend = RecordingBackend()
        var finished: [RunOutcome] = []
        var provisional: [RunOutcome] = []
        var steps: [String] = []
        configuration(rounds: 3).runner.run(
            cases: cases, backends: [backend], willRun: { steps.append("\($0.step)/\($0.steps) r\($0.round)") },
            didMeasureRound: { provisional.append($0) }, didFinish: { finished.append($0) })
        #expect(
            backend.prepared == [
                "M=4,N=4,K=4", "M=8,N=8,K=8", "M=4,N=4,K=4", "M=8,N=8,K=8", "M=4,N=4,K=4", "M=8,N=8,K=8",
            ])
        #expect(steps == ["0/6 r1", "1/6 r1", "2/6 r2", "3/6 r2", "4/6 r3", "5/6 r3"])
        #expect(finished.count == 2)
        #expect(provisional.count == 4)
        #expect(provisional.allSatisfy { $0.row.notes.hasPrefix("interrupted after") })
        for outcome in finished {
            #expect(outcome.row.status == .ok)
            #expect(outcome.row.rounds == 3)
            let rounds = try #require(outcome.sidecar.rounds)
            #expect(rounds.count == 3)
            #expect(rounds.allSatisfy { $0.samples >= 2 && $0.warmupCalls >= 1 })  // 6 samples in all, 2 a round
            #expect(rounds.map(\.samples).reduce(0, +) == outcome.row.samples)
            #expect(outcome.sidecar.roundSamples?.count == 3)
            #expect(outcome.row.notes.contains("3 rounds, round medians ±"))
            // The CI covers both the samples' interval and the rounds' interval.
            let split = try #require(outcome.sidecar.roundSamples)
            let spread = try #require(RoundSpread(rounds: split))
            let between = try #require(spread.interval())
            #expect(try #require(outcome.row.ciLowSeconds) <= between.lowerBound)
            #expect(try #require(outcome.row.ciHighSeconds) >= between.upperBound)
        }
    }

    @Test("a modeled or unsupported row finishes in the first round; one round is the old single pass")
    func oneRound() throws {
        let kc = try KernelCase(parsing: "gemm/fp32/M=4,N=4,K=4")
        var finished: [RunOutcome] = []
        configuration(rounds: 4).runner.run(cases: [kc], backends: [RecordingBackend()]) {
            finished.append($0)
        }
        #expect(finished.map(\.row.status) == [.unsupported])
        #expect(finished[0].row.rounds == nil)
        let single = configuration(rounds: 1).runner.runOne(
            try KernelCase(parsing: "gemm/fp64/M=4,N=4,K=4"), on: RecordingBackend())
        #expect(single.row.rounds == 1)
        #expect(!single.row.notes.contains("rounds"))
    }

    @Test("the policy splits budget, warm-up and minimum samples over the rounds, with a floor per round")
    func perRound() {
        let p = MeasurementPolicy(warmupMinSeconds: 0.3, minSamples: 10, budgetSeconds: 2, rounds: 5).perRound
        #expect(p.rounds == 1)
        #expect(abs(p.budgetSeconds - 0.4) < 1e-12)
        #expect(abs(p.warmupMinSeconds - 0.06) < 1e-12)
        #expect(p.minSamples == 2)
        #expect(p.warmupMinCalls == 1)
        #expect(p.maxSamples == MeasurementPolicy.sampleCap / 5)
        let ci = MeasurementPolicy.ci.perRound
        #expect(ci.minSamples == 6 && ci.warmupMinCalls == 2)
        #expect(MeasurementPolicy(minSamples: 100, rounds: 3).perRound.minSamples == 34)
        #expect(MeasurementPolicy(minSamples: 6, rounds: 10).perRound.minSamples == 2)
        #expect(MeasurementPolicy(minSamples: 7, rounds: 1).perRound.minSamples == 7)
    }
}
