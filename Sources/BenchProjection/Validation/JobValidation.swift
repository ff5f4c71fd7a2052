import BenchCore
import BenchDataFile
import BenchModels
import Foundation
import Synchronization

/// The job points against `bench project`'s step model (docs/project.md#validation).
///
/// No parameter is fitted on job points: each is predicted from the kernel model alone. The
/// leave-one-source-out error refits the kernel model without the point's source and its
/// `related_sources` wherever those are among the kernel model's calibration sources, so no
/// prediction has seen its own table.
public struct JobValidation: Sendable {
    public struct Result: Sendable {
        public var point: JobPoint
        public var deviceClass: DeviceClass
        /// Modeled tokens/s per device, and modeled ÷ published − 1.
        public var modeled: Double
        public var error: Double
        /// The same, with the kernel model refitted without the point's sources.
        public var looError: Double?
        /// Whether the model's memory account fits the layout the source ran.
        public var fits: Bool
        public var memory: Double
        public var capacity: Double
    }

    public var results: [Result]

    /// The job set shipped with bench.
    public static func shipped() throws(ProjectionError) -> JobSet {
        guard let url = Bundle.module.url(forResource: "jobs", withExtension: "json") else {
            throw .badInput("jobs.json (bench's resource bundle) is not next to the binary")
        }
        return try load(path: url.path)
    }

    /// Reads a job-point file and checks every point.
    public static func load(path: String) throws(ProjectionError) -> JobSet {
        let set: JobSet
        switch DataFile.decode(JobSet.self, path: path) {
        case .success(let s): set = s
        case .failure(let e): throw .badInput("job points '\(path)': \(e)")
        }
        guard set.schemaVersion == 1 else {
            throw .badInput("job points '\(path)': unknown schema_version \(set.schemaVersion) (this build reads 1)")
        }
        var ids = Set<String>()
        var roles: [String: String] = [:]
        for (i, p) in set.points.enumerated() {
            func bad(_ reason: String) -> ProjectionError {
                .badInput("job points '\(path)': points[\(i)] (\(p.id)): \(reason)")
            }
            guard ids.insert(p.id).inserted else { throw bad("duplicate id") }
            guard p.kind == "job" else { throw bad("kind must be 'job' (got '\(p.kind)')") }
            guard ["calibration", "held-out"].contains(p.split) else { throw bad("unknown split '\(p.split)'") }
            if let r = roles[p.sourceId], r != p.split {
                throw bad("source '\(p.sourceId)' is split across roles (a source is wholly calibration or held-out)")
            }
            roles[p.sourceId] = p.split
            guard JobPoint.units.contains(p.published.unit), p.published.value.isNormal, p.published.value > 0 else {
                throw bad("published must be a positive tokens/s/device")
            }
            guard (p.modelPreset == nil) != (p.model == nil) else { throw bad("give model_preset or model, not both") }
            guard ["bf16", "fp8", "fp32"].contains(p.precision) else {
                throw bad("precision must be bf16, fp8 or fp32")
            }
            let l = p.layout
            guard l.tp * l.pp * l.dp * (l.cp ?? 1) >= l.devices, l.devices > 0, p.seq > 0, p.globalBatchTokens > 0
            else { throw bad("layout: tp × pp × dp × cp must cover the devices; seq and batch positive") }
            guard !p.source.isEmpty, !p.quote.isEmpty, !p.conversion.isEmpty else {
                throw bad("source, quote and conversion are required")
            }
        }
        return set
    }

    /// Predicts every point with `catalog`; with `kernelSet`, also leave-one-source-out.
    public init(set: JobSet, catalog: Catalog, presets: ModelPresets, kernelSet: ValidationSet?) throws(ProjectionError)
    {
        var base: [Result] = []
        for p in set.points { base.append(try Self.evaluate(p, catalog: catalog, presets: presets)) }
        guard let kernelSet else {
            results = base
            return
        }
        // Leave-one-source-out: refit the kernel model without the source's related kernel
        // sources where the shipped fit used them.
        let calibration = Set(kernelSet.points.filter { $0.split == "calibration" }.compactMap(\.sourceId))
        let sources = Array(Set(set.points.map(\.sourceId))).sorted()
        let refits = Mutex<[String: Catalog]>([:])
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in
            let s = sources[i]
            let related = Set(set.points.filter { $0.sourceId == s }.flatMap { ($0.relatedSources ?? []) + [s] })
            guard !related.isDisjoint(with: calibration) else { return }
            var reduced = kernelSet
            reduced.points.removeAll { related.contains($0.sourceId ?? "") }
            if let fit = try? ModelFit.fitCalibration(set: reduced, catalog: catalog) {
                refits.withLock { $0[s] = fit.catalog }
            }
        }
        let refitted = refits.withLock { $0 }
        var out: [Result] = []
        for var r in base {
            if let c = refitted[r.point.sourceId] {
                r.looError = (try? Self.evaluate(r.point, catalog: c, presets: presets))?.error
            } else {
                r.looError = r.error
            }
            out.append(r)
        }
        results = out
    }

    /// The point's model, cluster and layout through the step model.
    static func evaluate(_ p: JobPoint, catalog: Catalog, presets: ModelPresets) throws(ProjectionError) -> Result {
        func bad(_ reason: String) -> ProjectionError { .badInput("job point \(p.id): \(reason)") }
        guard let device = catalog.device(named: p.device) else { throw bad("unknown device '\(p.device)'") }
        guard let inst = catalog.instance(named: p.instance), inst.device == p.device else {
            throw bad("unknown instance '\(p.instance)' or not one of \(p.device)")
        }
        var model: ModelConfig
        if let m = p.model { model = m } else { model = try presets.model(named: p.modelPreset ?? "") }
        model.seq = p.seq
        if let problem = model.problem { throw bad(problem) }
        let nodes = max(1, (p.layout.devices + inst.deviceCount - 1) / inst.deviceCount)
        let cluster = Cluster(instance: inst, device: device, nodes: nodes)
        let l = p.layout
        let layout = ParallelLayout(
            tp: l.tp, pp: l.pp, dp: l.dp, cp: l.cp ?? 1, zero: l.zero ?? 1, microBatch: l.microBatch ?? 1,
            recompute: l.recompute == "full" ? .full : .none, vp: l.vp ?? 1)
        let ranks = l.devices * cluster.ranksPerDevice
        if let problem = layout.problem(model: model, ranks: ranks, sequence: p.seq, unevenStages: true) {
            throw bad(problem)
        }
        let sequences = JobRequest.sequences(forBatchTokens: p.globalBatchTokens, sequence: p.seq)
        let dtype: DType =
            p.precision == "fp32" ? .fp32 : (p.precision == "fp8" && device.peakDenseTflops[.fp8] != nil ? .fp8 : .bf16)
        let stepModel = StepModel(
            model: model, cluster: cluster, deviceModel: DeviceModel(device: device, count: 1), dtype: dtype,
            assumptions: JobAssumptions())
        var cache: [StepModel.Slot: StepModel.SlotTimes] = [:]
        guard let step = stepModel.step(layout, sequence: p.seq, sequences: sequences, cache: &cache) else {
            throw bad("dp × micro_batch = \(l.dp * (l.microBatch ?? 1)) does not divide the \(sequences) sequences")
        }
        let perDevice = Double(sequences * p.seq) / step.seconds / Double(l.devices)
        let capacity = (cluster.memoryPerRank ?? 0) * (1 - JobAssumptions().memoryReserve)
        return Result(
            point: p, deviceClass: DeviceClass.of(kind: device.kind), modeled: perDevice,
            error: perDevice / p.published.value - 1, looError: nil, fits: step.memory.total <= capacity,
            memory: step.memory.total, capacity: capacity)
    }
}
