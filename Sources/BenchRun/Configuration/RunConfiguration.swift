import BenchCore
import BenchResults
import Foundation

/// One `bench run`, resolved and checked before any work: what runs (suite, cases, backends),
/// how it is measured (policy, threads, probes, clock), how its rows are judged and priced, and
/// where they go. The command line resolves into it (`BenchSession`), and the session and the
/// ``Runner`` both read this one value; nothing copies it field by field.
public struct RunConfiguration {
    public var suite: any Suite
    public var cases: [KernelCase]
    public var backends: [any Backend]
    /// The results CSV; the sidecar goes beside it.
    public var destination: URL
    public var threads: Int
    public var policy: MeasurementPolicy
    public var kernels: KernelRegistry = .builtIn
    /// Hourly price of each backend's share of an instance, when known.
    public var prices: [BackendID: PriceQuote]
    public var catalogVersion: String
    /// The fastest dense peak FLOP/s of any catalog device per dtype: a self-timed (plugin) row
    /// faster than this is impossible and becomes an `error` row.
    public var fastestDeviceFLOPS: [DType: Double] = [:]
    /// Device backends (plugins) that name their catalog device: its dense peaks, which their
    /// rows' MFU is taken against (never the host CPU's probe).
    public var devicePeaks: [BackendID: CatalogPeak] = [:]
    /// `--with-model`: a model of this host per measured backend; its prediction and error go
    /// into the row's `model_s` and `model_error` columns.
    public var predictors: [BackendID: any TimePredictor] = [:]
    public var cpu: CPUInfo
    /// `--blas-coretype`, as asked (for the warning when OpenBLAS runs another core).
    public var requestedBLASCoreType: String?
    /// The measured rows' host (instance type, else host name) and where it came from.
    public var host = HostIdentity(name: ProcessInfo.processInfo.hostName, source: "host name")
    /// `--shard`: this run's place in a fleet, recorded in the sidecar.
    public var fleet: FleetRecord?
    /// `--host-instance auto`: what the instance metadata service said (in the sidecar).
    public var instanceMetadata: InstanceMetadata?
    /// Lines for the user about the set-up (e.g. an instance the catalog lacks).
    public var warnings: [String] = []
    /// How the host's peak and bandwidth are measured; `nil`: not at all (no MFU on host rows).
    public var probes: HostProbes?
    /// Where the powercap (RAPL) energy counters are (`BENCH_POWERCAP_ROOT` for a test tree).
    public var powercapRoot: String =
        ProcessInfo.processInfo.environment["BENCH_POWERCAP_ROOT"] ?? "/sys/class/powercap"
    /// Counts mode (`--measure counts`): measured rows are counted by this, not timed; `nil`
    /// in timed runs.
    public var counter: (any CallCounter)?
    /// Counts mode's first process: measured rows are counted in processes of their own by
    /// this pool, not here; `nil` otherwise.
    public var countingPool: (any RowCountingPool)?
    /// Counts mode (either process): how the rows are counted; `nil` in timed runs.
    public var countingRecord: CountingRecord? { counter?.record ?? countingPool?.record }
    /// `--max-case-seconds`: a host row whose fewest calls would take longer than this even at
    /// the host's measured peak is `skipped` (``Runner/tooLongReason(_:flops:on:)``); `nil`: no
    /// limit (the command line's default is 60 s).
    public var maxCaseSeconds: Double?
    /// The time source of the measurement loop (a fake one in tests).
    public var clock: @Sendable () -> any Stopwatch = { ContinuousStopwatch() }
    /// Recorded in the sidecar.
    public var commandLine: [String] = CommandLine.arguments
    public var harnessVersion: String = BenchVersion.current

    /// A configuration from parts already checked (tests, embedding); the command line goes
    /// through `BenchSession`'s `init(resolving:cpu:)`.
    public init(
        suite: any Suite, cases: [KernelCase], backends: [any Backend], destination: URL, threads: Int,
        policy: MeasurementPolicy, prices: [BackendID: PriceQuote] = [:], catalogVersion: String = "",
        cpu: CPUInfo = HostProbe.cpuInfo()
    ) {
        self.suite = suite
        self.cases = cases
        self.backends = backends
        self.destination = destination
        self.threads = threads
        self.policy = policy
        self.prices = prices
        self.catalogVersion = catalogVersion
        self.cpu = cpu
    }

    /// Rounds per measured row (at least one; one when counting: counts repeat exactly).
    public var rounds: Int { counter != nil ? 1 : max(1, policy.rounds) }
}

/// Where the measured rows ran: an instance type or host name, and how bench knows it.
public struct HostIdentity: Sendable, Equatable {
    public var name: String
    /// `host name`, `--host-instance` or `instance metadata (IMDSv2)`.
    public var source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}

/// A catalog device's dense peaks, for the MFU of a device backend's rows.
public struct CatalogPeak: Sendable, Equatable {
    /// The catalog device's name, e.g. `h100`.
    public var device: String
    public var flopsPerSecond: [DType: Double]

    public init(device: String, flopsPerSecond: [DType: Double]) {
        self.device = device
        self.flopsPerSecond = flopsPerSecond
    }
}
