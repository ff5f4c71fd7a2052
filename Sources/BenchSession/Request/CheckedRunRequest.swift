import BenchCore
import BenchModels
import BenchResults
import BenchRun
import Foundation

/// A ``RunRequest`` whose every flag has been checked against the suites, the catalog and
/// this host's memory, with nothing started: no plugin, no network request, no probe. What
/// remains (plugins, instance metadata, prices) is resolved by `RunConfiguration(resolving:)`.
public struct CheckedRunRequest {
    public var request: RunRequest
    public var suite: any Suite
    /// The cases to run: the suite's, `--add-case`, filtered, and this shard's.
    public var cases: [KernelCase]
    public var destination: URL
    /// The shipped catalog with the overlay and `--assume` applied.
    public var catalog: Catalog
    /// `--with-model`: the calibrated model of this host per measured backend.
    public var hostModels: [BackendID: DeviceModel]
    /// `--shard`: which shard this run is.
    public var shard: Shard?
    public var policy: MeasurementPolicy
    public var threads: Int
}

extension RunRequest {
    /// Checks every flag, cheapest first, before anything is started.
    ///
    /// - Throws: ``SessionError`` naming the flag and what is wrong with it.
    public func checked() throws(SessionError) -> CheckedRunRequest {
        guard let suite = SuiteRegistry.suite(named: self.suite) else {
            throw .option(
                flag: "--suite",
                reason:
                    "unknown suite '\(self.suite)' (valid: \(SuiteRegistry.all.map(\.name).joined(separator: ", ")))"
            )
        }
        try checkCounting()
        let shard = try parsedShard()
        let destination = try OutputPath.resolve(countedRow?.result ?? out, stem: suite.name)
        let assumptions: ModelAssumptions
        do {
            assumptions = try ModelAssumptions.parse(self.assumptions)
        } catch {
            throw .option(flag: "--assume", reason: "\(error)")
        }
        let catalog: Catalog
        do {
            catalog = try Catalog.load(overlay: pricing.catalogOverlay, assumptions: assumptions)
        } catch {
            throw .input("\(error)")
        }
        let hostModels = try Self.hostModels(hostProfile)
        var cases = try Self.cases(of: suite, request: self)
        if let shard {
            guard shard.count <= cases.count else {
                throw .option(
                    flag: "--shard",
                    reason:
                        "\(shard.count) shards of \(cases.count) selected cases would leave shards empty; use at most \(cases.count) (\(shard.source))"
                )
            }
            cases = shard.cases(of: cases)
        }
        cases = try narrowedToCountedRow(cases)
        var policy = preset.policy
        if let b = budgetSeconds { policy.budgetSeconds = b }
        if let n = minSamples { policy.minSamples = n }
        if let n = rounds { policy.rounds = n }
        return CheckedRunRequest(
            request: self, suite: suite, cases: cases, destination: destination, catalog: catalog,
            hostModels: hostModels, shard: shard, policy: policy,
            threads: threads ?? (measure == .counts ? 1 : ProcessInfo.processInfo.activeProcessorCount))
    }

    /// `--shard I/N`, or `auto` from the job engine's variables.
    func parsedShard() throws(SessionError) -> Shard? {
        guard let spec = shard else { return nil }
        if spec == "auto" {
            do {
                return try Shard.fromEnvironment(environment)
            } catch {
                throw .option(flag: "--shard", reason: "auto: \(error)")
            }
        }
        guard let s = Shard.parse(spec) else {
            throw .option(flag: "--shard", reason: "'\(spec)' is not I/N with 0 <= I < N (e.g. 0/4), or auto")
        }
        return s
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

}
