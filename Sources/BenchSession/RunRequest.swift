import BenchCore
import BenchModels
import BenchSwiftKernels
import Foundation

/// What a user asked `bench run` for, as typed values (the executable parses and range-checks
/// the flags; ``RunSessionConfiguration/init(resolving:cpu:)`` checks them against the suites,
/// backends, catalog and host).
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
    /// `--with-model`: a host profile written by `bench calibrate`.
    public var hostProfile: String?
    public var pricing = PricingRequest()
    /// `--blas-coretype`, as asked (for the warning when OpenBLAS runs another core).
    public var requestedBLASCoreType: String?
    /// `--shard`: `I/N`, or `auto` (from the job engine's environment).
    public var shard: String?
    /// `--fleet-run`: the fleet run's id (else from the engine's environment).
    public var fleetRun: String?
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

/// A resolved, validated run: everything checked before any case runs.
public struct RunSessionConfiguration {
    public var suite: any Suite
    public var cases: [KernelCase]
    public var backends: [any Backend]
    public var prices: [BackendID: PriceQuote]
    public var catalogVersion: String
    /// The fastest dense peak FLOP/s of any catalog device per dtype (bounds plugin rows).
    public var fastestDeviceFLOPS: [DType: Double] = [:]
    /// The catalog peak of each device backend that names its catalog device.
    public var devicePeaks: [BackendID: CatalogPeak] = [:]
    public var policy: MeasurementPolicy
    public var threads: Int
    /// `--with-model`: the calibrated model of this host per measured backend.
    public var hostModels: [BackendID: DeviceModel]
    public var destination: URL
    public var cpu: (model: String, flags: [String])
    public var requestedBLASCoreType: String?
    /// The measured rows' host (instance type, else host name) and where it came from.
    public var host: (name: String, source: String) = (ProcessInfo.processInfo.hostName, "host name")
    /// `--shard`: this run's place in a fleet, recorded in the sidecar.
    public var fleet: FleetRecord?
    /// `--host-instance auto`: what the instance metadata service said (in the sidecar).
    public var instanceMetadata: InstanceMetadata?
    /// Lines for the user about the set-up (e.g. an instance the catalog lacks).
    public var warnings: [String] = []
    /// Where the powercap (RAPL) energy counters are (`BENCH_POWERCAP_ROOT` for a test tree).
    public var powercapRoot: String =
        ProcessInfo.processInfo.environment["BENCH_POWERCAP_ROOT"] ?? "/sys/class/powercap"
    /// Recorded in the sidecar.
    public var commandLine: [String] = CommandLine.arguments
    public var harnessVersion: String = BenchVersion.current
    /// Probes the host's peak FLOP/s for a dtype on a number of threads (the FMA loop).
    public var peakProbe: @Sendable (DType, Int) -> HostPeak.Probe = { HostPeak.probe(dtype: $0, threads: $1) }

    /// A configuration from parts already checked (tests, embedding); the command line goes
    /// through ``init(resolving:cpu:)``.
    public init(
        suite: any Suite, cases: [KernelCase], backends: [any Backend], destination: URL, threads: Int,
        policy: MeasurementPolicy, prices: [BackendID: PriceQuote] = [:], catalogVersion: String = "",
        cpu: (model: String, flags: [String]) = HostProbe.cpuInfo()
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
        hostModels = [:]
    }

    /// Checks `request` against the suites, backends, catalog and this host, and starts the
    /// plugins it names (their handshake is part of the check).
    public init(resolving request: RunRequest, cpu: (model: String, flags: [String])) throws(SessionError) {
        self.cpu = cpu
        requestedBLASCoreType = request.requestedBLASCoreType
        guard let suite = SuiteRegistry.suite(named: request.suite) else {
            throw .option(
                flag: "--suite",
                reason:
                    "unknown suite '\(request.suite)' (valid: \(SuiteRegistry.all.map(\.name).joined(separator: ", ")))"
            )
        }
        self.suite = suite
        destination = try OutputPath.resolve(request.out, stem: suite.name)
        hostModels = try Self.hostModels(request.hostProfile)
        let catalog = try Self.assumptions(request.assumptions).applied(
            to: try Self.catalog(request.pricing.catalogOverlay), profiles: Profile.builtIn)
        catalogVersion = catalog.catalogVersion
        for d in catalog.devices {
            for (dtype, f) in d.peakDenseTflops {
                fastestDeviceFLOPS[DType(rawValue: dtype), default: 0] = max(
                    fastestDeviceFLOPS[DType(rawValue: dtype)] ?? 0, f.value * 1e12)
            }
        }
        let allBackends = try BackendRegistry.all(cpuModel: cpu.model, catalog: catalog)
        backends = try BackendRegistry.select(
            request.backends, from: allBackends, pluginArguments: request.pluginArguments,
            logStem: destination.deletingPathExtension().path, caseTimeout: request.caseTimeoutSeconds,
            catalogDevices: Set(catalog.devices.map(\.name)))
        // A device backend's MFU is taken against its catalog device's dense peak.
        for case let b as any DeviceBackend in backends {
            guard let name = b.catalogDevice, let spec = catalog.device(named: name) else { continue }
            var flops: [DType: Double] = [:]
            for (dtype, f) in spec.peakDenseTflops { flops[DType(rawValue: dtype)] = f.value * 1e12 }
            devicePeaks[b.id] = CatalogPeak(device: spec.name, flopsPerSecond: flops)
        }
        // Only plugins that could not start: no case could run at all, so this is bad input.
        if !backends.isEmpty, let first = backends.first as? UnavailableBackend,
            backends.allSatisfy({ $0 is UnavailableBackend })
        {
            throw .option(flag: "--backend", reason: first.reason)
        }
        guard !backends.isEmpty else {
            throw .option(
                flag: "--backend",
                reason:
                    "'\(request.backends)' selects no backend in this build (available: \(allBackends.map(\.id.rawValue).joined(separator: ", ")))"
            )
        }
        var pricing = request.pricing
        if pricing.hostInstance == "auto" {
            pricing.hostInstance = nil
            let endpoint = request.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? InstanceMetadata.defaultEndpoint
            switch InstanceMetadata.fetch(endpoint: endpoint) {
            case .success(let m):
                instanceMetadata = m
                host = (m.instanceType, "instance metadata (IMDSv2)")
                if catalog.instance(named: m.instanceType) != nil {
                    pricing.hostInstance = m.instanceType
                    pricing.hostRegion = m.region
                    if m.lifeCycle == "spot", pricing.basis == "on-demand" { pricing.basis = "spot" }
                } else {
                    warnings.append(
                        "warning: --host-instance auto: this host is a \(m.instanceType)\(m.region.map { " in \($0)" } ?? ""), which catalog \(catalog.catalogVersion) does not list; measured rows stay unpriced (add it with --catalog, or pass --host-price USD)"
                    )
                }
            case .failure(let e):
                warnings.append(
                    "warning: --host-instance auto: no instance metadata (\(e)); not on EC2? Measured rows stay unpriced (pass --host-instance NAME or --host-price USD)"
                )
            }
        }
        let book: PriceBook
        do {
            book = try PriceBook(
                catalog: catalog, basis: pricing.basis, overrides: pricing.overrides,
                hostInstance: pricing.hostInstance, hostPrice: pricing.hostUSDPerHour, hostRegion: pricing.hostRegion)
        } catch {
            throw .input("\(error)")
        }
        var prices: [BackendID: PriceQuote] = [:]
        for b in backends { prices[b.id] = book.quote(for: b) }
        self.prices = prices
        if let instance = request.pricing.hostInstance, instance != "auto" { host = (instance, "--host-instance") }
        cases = try Self.cases(of: suite, request: request)
        if let spec = request.shard {
            let shard: Shard
            if spec == "auto" {
                do {
                    shard = try Shard.fromEnvironment(request.environment)
                } catch {
                    throw .option(flag: "--shard", reason: "auto: \(error)")
                }
            } else {
                guard let s = Shard.parse(spec) else {
                    throw .option(
                        flag: "--shard", reason: "'\(spec)' is not I/N with 0 <= I < N (e.g. 0/4), or auto")
                }
                shard = s
            }
            guard shard.count <= cases.count else {
                throw .option(
                    flag: "--shard",
                    reason:
                        "\(shard.count) shards of \(cases.count) selected cases would leave shards empty; use at most \(cases.count) (\(shard.source))"
                )
            }
            cases = shard.cases(of: cases)
            let run =
                request.fleetRun.map { ($0, "--fleet-run") } ?? Shard.fleetRunFromEnvironment(request.environment)
                ?? ("unnamed", "none: pass --fleet-run ID to name it")
            fleet = FleetRecord(
                runID: run.0, runIDSource: run.1, shardIndex: shard.index, shardCount: shard.count,
                shardSource: shard.source, host: host.name, hostSource: host.source,
                catalogVersion: catalog.catalogVersion)
        }
        threads = request.threads ?? ProcessInfo.processInfo.activeProcessorCount
        var policy = request.preset.policy
        if let b = request.budgetSeconds { policy.budgetSeconds = b }
        if let n = request.minSamples { policy.minSamples = n }
        if let n = request.rounds { policy.rounds = n }
        self.policy = policy
    }

    /// The shipped catalog with `overlay` laid over it.
    public static func catalog(_ overlay: String?) throws(SessionError) -> Catalog {
        do {
            return try Catalog.shipped(overlaidWith: overlay)
        } catch {
            throw .input("\(error)")
        }
    }

    /// The `--assume` items, checked: a bad one is one line naming it (exit 2).
    public static func assumptions(_ items: [String]) throws(SessionError) -> ModelAssumptions {
        var assumptions = ModelAssumptions()
        for item in items {
            do {
                try assumptions.add(item, profiles: Profile.builtIn.map(\.id))
            } catch {
                throw .option(flag: "--assume", reason: "\(error)")
            }
        }
        return assumptions
    }

    /// The `host-<backend>` devices of a `bench calibrate` profile, as models per backend.
    static func hostModels(_ file: String?) throws(SessionError) -> [BackendID: DeviceModel] {
        guard let file else { return [:] }
        let profile: Catalog
        do {
            profile = try Catalog.load(path: file)
        } catch {
            throw .option(flag: "--with-model", reason: "\(error)")
        }
        var models: [BackendID: DeviceModel] = [:]
        for d in profile.devices where d.name.hasPrefix("host-") {
            models[BackendID(String(d.name.dropFirst(5)))] = DeviceModel(device: d, count: 1)
        }
        guard !models.isEmpty else {
            throw .option(
                flag: "--with-model",
                reason: "'\(file)': no host-<backend> device (write the profile with bench calibrate)")
        }
        return models
    }

    /// The suite's cases, plus `--add-case`, filtered by `--dtype` and `--case`; refuses
    /// cases whose buffers cannot fit in memory before anything is allocated.
    static func cases(of suite: any Suite, request: RunRequest) throws(SessionError) -> [KernelCase] {
        var cases = suite.cases(request.preset)
        for id in request.addedCases {
            do {
                let extra = try KernelRegistry.builtIn.validatedCase(id)
                if !cases.contains(extra) { cases.append(extra) }
            } catch {
                throw .option(flag: "--add-case", reason: "\(error)")
            }
        }
        if let wanted = request.dtypes {
            let known = Set(KernelRegistry.builtIn.specs.flatMap(\.dtypes))
            if let unknown = wanted.first(where: { !known.contains($0) }) {
                throw .option(
                    flag: "--dtype",
                    reason:
                        "unknown dtype '\(unknown)' (valid: \(known.sorted().map(\.rawValue).joined(separator: ", ")))")
            }
            cases = cases.filter { wanted.contains($0.dtype) }
        }
        if let pattern = request.casePattern {
            let regex: NSRegularExpression
            do {
                regex = try NSRegularExpression(pattern: pattern)
            } catch {
                throw .option(flag: "--case", reason: "'\(pattern)' is not a valid regular expression")
            }
            cases = cases.filter { kc in
                regex.firstMatch(in: kc.id, range: NSRange(kc.id.startIndex..., in: kc.id)) != nil
            }
            guard !cases.isEmpty else {
                let quick = request.preset.flags
                throw .option(
                    flag: "--case",
                    reason:
                        "'\(pattern)' matches no case of suite \(suite.name)\(quick) (see 'bench list --suite \(suite.name)\(quick)')"
                )
            }
        }
        guard !cases.isEmpty else {
            throw .option(flag: "--dtype", reason: "no case left to run after --dtype filtering")
        }
        let available = HostProbe.memory().available
        for kc in cases {
            guard let spec = KernelRegistry.builtIn.spec(named: kc.kernel) else { continue }
            let need = spec.bufferBytes(kc)
            if need > available {
                throw .input(CaseError.tooLarge(caseID: kc.id, bytes: need, available: available).description)
            }
        }
        return cases
    }
}
