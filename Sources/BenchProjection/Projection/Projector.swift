import BenchCore
import BenchModels

/// Projects a training job onto instance types (docs/project.md): per type, the cheapest
/// layout per token that fits (or the one asked for), its step, speed, cost and interval.
public struct Projector: Sendable {
    public var catalog: Catalog
    public var prices: PriceBook
    /// The job-level error table (`Resources/job-error.json`), for the intervals.
    public var errors: JobErrorTable?
    public var measured: MeasuredTimes?
    /// The machine `--from`'s rows were measured on, as instance type `host`.
    public var host: HostMachine?

    public init(
        catalog: Catalog, prices: PriceBook, errors: JobErrorTable?, measured: MeasuredTimes? = nil,
        host: HostMachine? = nil
    ) {
        (self.catalog, self.prices, self.errors, self.measured, self.host) = (catalog, prices, errors, measured, host)
    }

    /// Node counts tried when the user gives none.
    public static let nodeCounts = (0...10).map { 1 << $0 }

    /// One projection per requested instance type, ranked by $ per million tokens.
    public func project(_ r: JobRequest) throws(ProjectionError) -> [InstanceProjection] {
        var out: [InstanceProjection] = []
        for (name, nodes) in r.instances {
            if name == HostMachine.name {
                guard let host, measured != nil else {
                    throw .badInput("instance 'host' is the machine --from's rows were measured on: it needs --from")
                }
                out.append(try project(r, instance: host.instance, device: host.device, nodes: nodes))
                continue
            }
            guard let inst = catalog.instance(named: name) else {
                throw .badInput(
                    "unknown instance '\(name)' (valid: \(catalog.instances.map(\.name).joined(separator: ", ")))")
            }
            guard let device = catalog.device(named: inst.device) else {
                throw .badInput("instance '\(name)': the catalog has no device '\(inst.device)'")
            }
            out.append(try project(r, instance: inst, device: device, nodes: nodes))
        }
        return Self.ranked(out)
    }

    func project(_ r: JobRequest, instance inst: InstanceSpec, device: DeviceSpec, nodes: Int?) throws(ProjectionError)
        -> InstanceProjection
    {
        var base = InstanceProjection(
            instance: inst.name, device: device.name, nodes: nodes ?? 1, devices: (nodes ?? 1) * inst.deviceCount,
            ranks: 0)
        base.computeSource = measured?.backend ?? "modeled"
        let deviceModel = DeviceModel(device: device, count: 1)
        guard deviceModel.peakFLOPS(r.dtype) != nil || measured != nil else {
            base.reason = "the catalog has no dense \(r.dtype) peak for \(device.name)"
            return base
        }
        guard device.memoryGb != nil else {
            base.reason = "the catalog has no device memory for \(device.name)"
            return base
        }
        // An explicit layout with dp fixes the node count; otherwise try the counts in turn.
        var counts = nodes.map { [$0] } ?? Self.nodeCounts
        let ranksPerDevice = Cluster(instance: inst, device: device, nodes: 1).ranksPerDevice
        if nodes == nil, let text = r.layout, let l = try? ParallelLayout.parse(text, ranks: nil), text.contains("dp=")
        {
            let perNode = inst.deviceCount * ranksPerDevice
            counts = [max(1, (l.ranks + perNode - 1) / perNode)]
        }
        var first: InstanceProjection?
        var last = base
        for n in counts {
            let cluster = Cluster(instance: inst, device: device, nodes: n)
            var p = try project(r, cluster: cluster, deviceModel: deviceModel, base: base)
            p.nodes = n
            p.devices = cluster.devices
            p.ranks = cluster.ranks
            if p.layout != nil, r.maxDays.map({ (p.days ?? .infinity) <= $0 }) ?? true { return p }
            if p.layout != nil {
                p.reason = "no node count up to \(counts.last ?? n) trains within --max-days \(plainNumber(r.maxDays))"
            }
            first = first ?? p
            last = p
            // Without a network, more nodes cannot help: say why one node was not enough.
            if n > 1 && cluster.networkPerRank == nil, let one = first, let why = one.reason {
                var p = one
                p.reason = "\(why); and the catalog has no network bandwidth for \(inst.name) to add nodes"
                return p
            }
        }
        return last
    }

    func project(_ r: JobRequest, cluster: Cluster, deviceModel: DeviceModel, base: InstanceProjection)
        throws(ProjectionError) -> InstanceProjection
    {
        var p = base
        let where_ = "\(cluster.instance.name) ×\(cluster.nodes)"
        if cluster.nodes > 1 && cluster.networkPerRank == nil {
            p.reason = "the catalog has no network bandwidth for \(cluster.instance.name)"
            return p
        }
        if cluster.ranksPerNode > 1 && cluster.linkPerRank == nil {
            p.reason = "the catalog has no device-to-device link bandwidth for \(cluster.instance.name)"
            return p
        }
        guard let rawCapacity = cluster.memoryPerRank else { return p }
        let capacity = rawCapacity * (1 - r.assumptions.memoryReserve)
        p.memoryCapacity = capacity
        let layouts: [ParallelLayout]
        if let text = r.layout {
            let l = try ParallelLayout.parse(text, ranks: cluster.ranks)
            if let problem = l.problem(model: r.model, ranks: cluster.ranks, sequence: r.sequence) {
                throw .badInput("--parallel \(l) on \(where_) (\(cluster.ranks) ranks): \(problem)")
            }
            guard l.microBatches(globalSequences: r.globalSequences) != nil else {
                throw .badInput(
                    "--parallel \(l) on \(where_): dp × mb = \(l.dp * l.microBatch) does not divide the global batch of \(r.globalSequences) sequences"
                )
            }
            layouts = [l]
        } else {
            layouts = LayoutSearch.candidates(
                model: r.model, ranks: cluster.ranks, ranksPerNode: cluster.ranksPerNode, sequence: r.sequence
            ).filter { l in measured.map { l.tp == 1 && l.cp == 1 && l.microBatch == $0.microBatch } ?? true }
        }
        let stepModel = StepModel(
            model: r.model, cluster: cluster, deviceModel: deviceModel, dtype: r.dtype, assumptions: r.assumptions,
            measured: measured)
        var cache: [StepModel.Slot: StepModel.SlotTimes] = [:]
        var best: (ParallelLayout, StepBreakdown)?
        var smallest: (ParallelLayout, StepBreakdown)?
        for l in layouts {
            guard let s = stepModel.step(l, sequence: r.sequence, sequences: r.globalSequences, cache: &cache) else {
                continue
            }
            if smallest == nil || s.memory.total < smallest!.1.memory.total { smallest = (l, s) }
            guard s.memory.total <= capacity else { continue }
            if best == nil || s.seconds < best!.1.seconds { best = (l, s) }
        }
        guard let (layout, step) = best else {
            if let (l, s) = smallest {
                let line =
                    "\(l) needs \(gib(s.memory.total)) GiB per rank; \(cluster.device.name) has \(gib(capacity)) GiB after the \(plainNumber(r.assumptions.memoryReserve * 100))% reserve"
                if r.layout != nil { throw .badInput("--parallel on \(where_): \(line)") }
                p.reason =
                    "no layout fits on \(cluster.nodes) node\(cluster.nodes > 1 ? "s" : ""): the smallest, \(line)"
            } else {
                p.reason =
                    "no layout divides the model and the global batch of \(r.globalSequences) sequences on \(cluster.ranks) ranks"
            }
            return p
        }
        p.layout = layout
        p.step = step
        p.reason = nil
        let tps = Double(r.globalSequences * r.sequence) / step.seconds
        p.tokensPerSecond = tps
        if let peak = deviceModel.peakFLOPS(r.dtype) {
            p.mfu = r.model.flopsPerToken(sequence: r.sequence) * tps / (Double(cluster.devices) * peak)
        }
        p.days = r.tokens / tps / 86_400
        let hourly =
            cluster.instance.name == HostMachine.name
            ? host?.usdPerHour.map { ($0, "host $\(plainNumber($0))/h (--host-price)") }
            : prices.instancePrice(cluster.instance)
        if let (usd, how) = hourly {
            let total = usd * Double(cluster.nodes)
            p.usdPerHour = total
            p.priceNote = "\(how)\(cluster.nodes > 1 ? " × \(cluster.nodes)" : "")"
            p.usdPerMillionTokens = total / 3600 / tps * 1e6
            p.usdTotal = total * r.tokens / tps / 3600
        } else {
            p.priceNote = "no \(prices.basis) price for \(cluster.instance.name) in the catalog"
        }
        if let m = measured {
            // The job intervals were measured for modeled compute; measured compute has none.
            p.notes.append(
                "compute measured by \(m.backend) on \(m.device); no interval (the job validation covers modeled compute)"
            )
        } else if let e = errors?.interval(deviceClass: DeviceClass.of(kind: cluster.device.kind)) {
            p.interval = (1 + e.low, 1 + e.high)
        }
        return p
    }

    /// Sorted by $ per million tokens (unpriced after, by speed; no layout last); an entry whose
    /// cost interval overlaps that of its group's first entry shares its rank.
    static func ranked(_ items: [InstanceProjection]) -> [InstanceProjection] {
        var out = items.sorted { a, b in
            switch (a.usdPerMillionTokens, b.usdPerMillionTokens) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return (a.tokensPerSecond ?? -1) > (b.tokensPerSecond ?? -1)
            }
        }
        var rank = 0
        var leader: Int?
        for i in out.indices where out[i].layout != nil {
            rank += 1
            out[i].rank = rank
            // Tied with the first row of the current group when their cost intervals overlap.
            if let l = leader, let a = out[l].usdPerMillionTokens, let b = out[i].usdPerMillionTokens,
                let ia = out[l].interval, let ib = out[i].interval, b * ib.low <= a * ia.high
            {
                out[i].tied = true
                out[i].rank = out[l].rank
            } else {
                leader = i
            }
        }
        return out
    }
}

func gib(_ bytes: Double) -> String { fixed(bytes / 1_073_741_824, 1) }

/// The machine a measured results file came from (`--instances host[:NODES]` with `--from`):
/// one device per node, its memory, network and price as the user gives them.
public struct HostMachine: Sendable {
    public static let name = "host"
    public var memoryGiB: Double
    public var networkGbps: Double?
    public var usdPerHour: Double?

    public init(memoryGiB: Double, networkGbps: Double?, usdPerHour: Double?) {
        (self.memoryGiB, self.networkGbps, self.usdPerHour) = (memoryGiB, networkGbps, usdPerHour)
    }

    var device: DeviceSpec {
        DeviceSpec(
            name: Self.name, displayName: "the measured host", vendor: "", kind: "x86_cpu", peakDenseTflops: [:],
            peakSparseTflops: nil,
            memoryGb: Fact(
                value: memoryGiB, unit: "GiB", source: "--host-memory-gib", date: "", note: nil, format: nil),
            memoryBandwidthGbPerS: nil, tdpWatts: nil, onChipSramMib: nil, model: nil, notes: nil)
    }

    var instance: InstanceSpec {
        let network = networkGbps.map {
            Fact(value: $0, unit: "Gbit/s", source: "--host-network-gbps", date: "", note: nil, format: nil)
        }
        return InstanceSpec(
            name: Self.name, device: Self.name, deviceCount: 1, provider: "", region: "", prices: [:],
            interconnect: Interconnect(deviceLinkGbPerS: nil, networkGbps: network))
    }
}
