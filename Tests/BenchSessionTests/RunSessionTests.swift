import BenchCore
import BenchResults
import BenchRun
import BenchSession
import BenchSwiftKernels
import BenchTestSupport
import Foundation
import Testing

/// Records a session's events in order.
final class RecordingReporter: RunReporter, @unchecked Sendable {
    var events: [String] = []
    var start: RunStart?
    var raises: [HostPeaks.Raise] = []
    var summary: RunSummary?

    func runStarted(_ start: RunStart) {
        self.start = start
        events.append("started")
    }
    func rowWillRun(_ p: RunProgress) {
        events.append("will \(p.step)/\(p.steps)")
    }
    func rowFinished(_ outcome: RunOutcome) { events.append("finished \(outcome.row.caseID)") }
    func peakRaised(_ raise: HostPeaks.Raise) {
        raises.append(raise)
        events.append("raised")
    }
    func interrupted(_ interruption: RunInterruption) -> Never { fatalError("no interrupt in these tests") }
    func runFinished(_ summary: RunSummary) {
        self.summary = summary
        events.append("done")
    }
}

@Suite("RunSession: one pipeline, events to a reporter, one owner of the peak")
struct RunSessionTests {
    static let policy = MeasurementPolicy(warmupMinCalls: 1, warmupMinSeconds: 0, minSamples: 6, budgetSeconds: 0.01)

    func configuration(cases: [String], dir: URL) throws -> RunConfiguration {
        try RunConfiguration(
            suite: MatmulSuite(), cases: cases.map { try KernelCase(parsing: $0) }, backends: [ScriptedBackend()],
            destination: dir.appendingPathComponent("run.csv"), threads: 1, policy: Self.policy,
            cpu: (model: "test CPU", flags: []))
    }

    @Test("events arrive in order and every row is written with its samples")
    func eventsAndFiles() throws {
        let dir = try temporaryDirectory()
        var config = try configuration(cases: ["gemm/fp64/M=4,N=4,K=4", "gemm/fp64/M=8,N=8,K=8"], dir: dir)
        config.probes = HostProbes(peak: { _, _ in PeakProbe(rates: [1e15]) })
        let reporter = RecordingReporter()
        let summary = try RunSession(configuration: config).run(reporter: reporter)
        #expect(
            reporter.events == [
                "started", "will 0/2", "finished gemm/fp64/M=4,N=4,K=4", "will 1/2", "finished gemm/fp64/M=8,N=8,K=8",
                "done",
            ])
        #expect(reporter.start?.peaks == [.fp64: 1e15])
        let set = try ResultSet(path: summary.destination.path)
        #expect(set.rows.map(\.caseID) == ["gemm/fp64/M=4,N=4,K=4", "gemm/fp64/M=8,N=8,K=8"])
        #expect(set.rows.allSatisfy { $0.status == .ok && set.samples(for: $0.key)?.count == $0.samples })
        #expect(summary.failures.isEmpty)
    }

    @Test("a raised peak is what the rows' MFU, the sidecar and the summary all use")
    func onePeak() throws {
        let dir = try temporaryDirectory()
        var config = try configuration(cases: ["gemm/fp64/M=8,N=8,K=8"], dir: dir)
        let probes = Counter()
        // The start-up probe reads absurdly low (disturbed), the re-probe reads the truth.
        config.probes = HostProbes(peak: { _, _ in PeakProbe(rates: [probes.increment() == 1 ? 1 : 1e15]) })
        let reporter = RecordingReporter()
        let summary = try RunSession(configuration: config).run(reporter: reporter)
        #expect(reporter.start?.peaks == [.fp64: 1])
        #expect(reporter.raises == [HostPeaks.Raise(dtype: .fp64, fromFLOPS: 1, toFLOPS: 1e15)])
        #expect(summary.peaks == [.fp64: 1e15])
        let set = try ResultSet(path: summary.destination.path)
        let sidecarPeak = try #require(set.sidecar?.environment.peak.first)
        #expect(sidecarPeak.flopsPerSecond == 1e15)
        let row = try #require(set.rows.first)
        let mfu = try #require(row.mfu)
        #expect(abs(mfu - row.flops / (row.medianSeconds ?? 1) / 1e15) < 1e-12)
    }

    @Test("on a scripted clock and with no probes, a session's samples are exact and its rows have no MFU")
    func fakeClockNoProbes() throws {
        let dir = try temporaryDirectory()
        var config = try configuration(cases: ["gemm/fp64/M=8,N=8,K=8"], dir: dir)
        let clock = FakeClock()
        // Every call costs exactly 1 ms of scripted time; nothing real is timed or probed.
        config.backends = [ScriptedBackend(clock: clock, secondsPerCall: 1e-3)]
        config.clock = { FakeStopwatch(clock) }
        config.probes = nil
        let summary = try RunSession(configuration: config).run(reporter: RecordingReporter())
        let set = try ResultSet(path: summary.destination.path)
        let row = try #require(set.rows.first)
        #expect(row.status == .ok)
        // Identical samples: the median is the scripted cost (to rounding of the batch's division).
        #expect(abs(try #require(row.medianSeconds) - 1e-3) < 1e-12)
        #expect(row.mfu == nil)
        #expect(!row.notes.contains("measured peak"))
        let samples = try #require(set.samples(for: row.key))
        #expect(samples.count == row.samples && samples.allSatisfy { abs($0 - 1e-3) < 1e-12 })
        #expect(set.sidecar?.environment.peak.isEmpty == true)
        #expect(set.sidecar?.environment.memoryBandwidthBytesPerSecond == nil)
    }
}
