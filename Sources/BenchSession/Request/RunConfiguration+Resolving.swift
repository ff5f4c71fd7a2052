import BenchCore
import BenchModels
import BenchResults
import BenchRun
import BenchSwiftKernels
import Foundation

extension RunConfiguration {
    /// The run a checked request asks for: starts the plugins it names (their handshake is the
    /// last check), asks the instance metadata service for `--host-instance auto`, and prices
    /// every backend. Everything cheaper was checked by ``RunRequest/checked()`` first.
    ///
    /// - Throws: ``SessionError`` when no backend can run or a price cannot be set.
    public init(resolving checked: CheckedRunRequest, cpu: CPUInfo) throws(SessionError) {
        let request = checked.request
        let catalog = checked.catalog
        self.init(
            suite: checked.suite, cases: checked.cases, backends: [], destination: checked.destination,
            threads: checked.threads, policy: checked.policy, catalogVersion: catalog.catalogVersion, cpu: cpu)
        requestedBLASCoreType = request.requestedBLASCoreType
        maxCaseSeconds = request.maxCaseSeconds
        predictors = checked.hostModels.mapValues { $0 as any TimePredictor }
        probes = HostProbes(
            peak: { HostPeak.probe(dtype: $0, threads: $1, cpuFlags: cpu.flags) },
            bandwidth: { StreamBandwidth.measure(threads: $0, elements: 1 << 22, repeats: 3) })
        fastestDeviceFLOPS = catalog.fastestDenseFLOPS
        let allBackends = try BackendRegistry.all(
            cpuModel: cpu.model, cpuFlags: cpu.flags, catalog: catalog, environment: request.environment)
        backends = try BackendRegistry.select(
            request.countingBackends, from: allBackends, pluginArguments: request.pluginArguments,
            logStem: destination.deletingPathExtension().path, caseTimeout: request.caseTimeoutSeconds,
            catalogDevices: Set(catalog.devices.map(\.name)))
        try resolveCounting(request)
        // A device backend's MFU is taken against its catalog device's dense peak.
        for case let b as any DeviceBackend in backends {
            guard let name = b.catalogDevice, let spec = catalog.device(named: name) else { continue }
            devicePeaks[b.id] = CatalogPeak(device: spec.name, flopsPerSecond: spec.denseFLOPS)
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
        let hostPricing = HostPricing.resolve(request.pricing, catalog: catalog, environment: request.environment)
        instanceMetadata = hostPricing.metadata
        warnings += hostPricing.warnings
        if let identity = hostPricing.host { host = identity }
        prices = try hostPricing.prices(for: backends, catalog: catalog)
        if let shard = checked.shard {
            let run =
                request.fleetRun.map { ($0, "--fleet-run") } ?? Shard.fleetRunFromEnvironment(request.environment)
                ?? ("unnamed", "none: pass --fleet-run ID to name it")
            fleet = FleetRecord(
                runID: run.0, runIDSource: run.1, shardIndex: shard.index, shardCount: shard.count,
                shardSource: shard.source, host: host.name, hostSource: host.source,
                catalogVersion: catalog.catalogVersion)
        }
    }
}
