import BenchCore
import BenchModels
import BenchRun
import BenchSwiftKernels
import Foundation

/// What a user asked `bench run` for, as typed values. The executable parses and range-checks
/// the flags; ``checked()`` checks the rest against the suites and catalog without starting
/// anything, and `RunConfiguration(resolving:cpu:)` then starts the plugins and asks the host.
public struct RunRequest: Sendable {
    public var suite: String = "matmul"
    /// Comma-separated backend ids, groups (`all`, `measured`, `modeled`) and `plugin:PATH`.
    public var backends: String = "all"
    /// Only cases whose id matches this regular expression.
    public var casePattern: String?
    /// Only these dtypes (`nil`: all).
    public var dtypes: [DType]?
    public var threads: Int?
    public var budgetSeconds: Double?
    public var minSamples: Int?
    public var out: String?
    /// Which case list, and its measurement defaults (`--quick`, `--preset`).
    public var preset: SuitePreset = .full
    /// `--quick`: the `quick` preset.
    public var quick: Bool {
        get { preset == .quick }
        set { preset = newValue ? .quick : .full }
    }
    /// `--rounds`: rounds per measured case (`nil`: the preset's).
    public var rounds: Int?
    /// Extra case ids to run.
    public var addedCases: [String] = []
    /// `--assume [PROFILE:]KEY=VALUE` items for the modeled profiles.
    public var assumptions: [String] = []
    public var pluginArguments: [String] = []
    public var caseTimeoutSeconds: Double = 60
    /// `--max-case-seconds` (`nil`: no limit): see ``RunConfiguration/maxCaseSeconds``.
    public var maxCaseSeconds: Double? = 60
    /// `--with-model`: a host profile written by `bench calibrate`.
    public var hostProfile: String?
    public var pricing = PricingRequest()
    /// `--blas-coretype`, as asked (for the warning when OpenBLAS runs another core).
    public var requestedBLASCoreType: String?
    /// `--shard`: `I/N`, or `auto` (from the job engine's environment).
    public var shard: String?
    /// `--fleet-run`: the fleet run's id (else from the engine's environment).
    public var fleetRun: String?
    /// `--measure`: time the calls (the default) or count them under callgrind.
    public var measure: MeasureMode = .time
    /// `--count-calls`: calls counted per case in counts mode (after one uncounted warm-up).
    public var countedCalls: Int = 1
    /// `--measure counts` in the first process: the pool that counts each row in a process of
    /// its own (set by the command once valgrind is found).
    public var countingPool: CountingPool?
    /// The environment `--shard auto` and the fleet run id are read from.
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init() {}
}

/// How to price backends: the catalog, the basis, per-instance overrides, and the host.
public struct PricingRequest: Sendable {
    /// A catalog file laid over the shipped one.
    public var catalogOverlay: String?
    public var basis: String = "on-demand"
    /// Instance name → USD per hour.
    public var overrides: [String: Double] = [:]
    /// A catalog instance name, or `auto` (the EC2 instance metadata service).
    public var hostInstance: String?
    public var hostUSDPerHour: Double?
    /// The host's region, when known (`auto`): a catalog price of another region is noted.
    public var hostRegion: String?

    public init() {}
}

/// How `bench run` measures a measured case.
public enum MeasureMode: String, Sendable, CaseIterable {
    /// Wall time of calls, in rounds, with statistics (the default).
    case time
    /// Instructions and simulated cache misses per call, counted under valgrind's callgrind:
    /// deterministic, for CI gates on shared runners (docs/ci.md).
    case counts
}
