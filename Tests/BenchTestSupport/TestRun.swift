import BenchCore
import BenchResults
import BenchRun
import Foundation

/// A runner's configuration and start-of-run context for unit tests, in the terms the tests
/// speak (a peak per dtype, a re-probe function), built into a real ``Runner``.
public struct TestRun {
    public var suite: any Suite = MatmulSuite()
    public var runID = "r"
    public var timestamp = "t"
    public var threads = 1
    public var policy: MeasurementPolicy
    /// The start-up peaks per dtype.
    public var peakFLOPS: [DType: Double]
    public var prices: [BackendID: PriceQuote] = [:]
    /// The re-probe (FLOP/s of a dtype); `nil`: the run has no probes.
    public var peakProbe: (@Sendable (DType) -> Double)?
    public var peakSpread: [DType: Double] = [:]
    public var fastestDeviceFLOPS: [DType: Double] = [:]
    public var devicePeaks: [BackendID: CatalogPeak] = [:]
    public var predictors: [BackendID: any TimePredictor] = [:]
    public var host = ""
    public var energy: Result<EnergyMeter, EnergyUnavailable> = .failure(
        EnergyUnavailable(reason: "energy counters not opened"))
    /// `--max-case-seconds` (`nil`: no limit).
    public var maxCaseSeconds: Double?
    /// The measurement loop's clock (the real one unless a test scripts time).
    public var clock: @Sendable () -> any Stopwatch = { ContinuousStopwatch() }

    public init(
        policy: MeasurementPolicy, peakFLOPS: [DType: Double] = [:], prices: [BackendID: PriceQuote] = [:]
    ) {
        self.policy = policy
        self.peakFLOPS = peakFLOPS
        self.prices = prices
    }

    /// The configuration a runner reads (no cases or backends: tests pass them to `run`).
    public var configuration: RunConfiguration {
        var c = RunConfiguration(
            suite: suite, cases: [], backends: [], destination: URL(fileURLWithPath: "/dev/null"), threads: threads,
            policy: policy, prices: prices, cpu: (model: "test CPU", flags: []))
        c.fastestDeviceFLOPS = fastestDeviceFLOPS
        c.devicePeaks = devicePeaks
        c.predictors = predictors
        c.host = HostIdentity(name: host, source: "test")
        c.clock = clock
        c.maxCaseSeconds = maxCaseSeconds
        if let peakProbe { c.probes = HostProbes(peak: { d, _ in PeakProbe(rates: [peakProbe(d)]) }) }
        return c
    }

    /// A runner over ``configuration`` with these start-up peaks.
    public var runner: Runner {
        Runner(
            configuration: configuration,
            context: RunContext(
                runID: runID, timestamp: timestamp, peaks: HostPeaks(peakFLOPS), peakSpread: peakSpread, energy: energy)
        )
    }
}
