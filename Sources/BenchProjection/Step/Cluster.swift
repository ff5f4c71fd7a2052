import BenchCore
import BenchModels

/// The machines a job runs on: `nodes` instances of one catalog type, and what one rank gets
/// of them (docs/project.md#ranks).
public struct Cluster: Sendable {
    public var instance: InstanceSpec
    public var device: DeviceSpec
    public var nodes: Int

    public init(instance: InstanceSpec, device: DeviceSpec, nodes: Int) {
        (self.instance, self.device, self.nodes) = (instance, device, nodes)
    }

    /// Ranks per device: NeuronCores on Trainium (the catalog's `parallel_ranks`), else 1.
    public var ranksPerDevice: Int { max(1, Int(device.parallelRanks?.value ?? 1)) }
    public var ranksPerNode: Int { instance.deviceCount * ranksPerDevice }
    public var ranks: Int { nodes * ranksPerNode }
    public var devices: Int { nodes * instance.deviceCount }

    /// Device memory per rank in bytes, or `nil` when the catalog has none.
    public var memoryPerRank: Double? {
        guard let m = device.memoryGb else { return nil }
        return m.value * (m.unit == "GiB" ? 1_073_741_824 : 1e9) / Double(ranksPerDevice)
    }

    /// One direction of the device link per rank (bytes/s), or `nil` without one in the catalog.
    public var linkPerRank: Double? {
        instance.interconnect?.deviceLinkBytesPerSecond.map { $0 / Double(ranksPerDevice) }
    }

    /// Each rank's share of the instance's network (bytes/s), or `nil` without one.
    public var networkPerRank: Double? {
        instance.interconnect?.networkBytesPerSecond.map { $0 / Double(ranksPerNode) }
    }
}

/// The job-level modelling choices (docs/project.md#assumptions), each `--assume`-able.
public struct JobAssumptions: Sendable, Equatable {
    /// Fraction of the data-parallel, context-parallel and pipeline traffic that can hide
    /// behind compute (never more than the compute itself).
    public var overlap = 0.8
    /// Fraction of tensor-parallel all-reduce time hidden (0: Megatron's default, no TP overlap).
    public var tpOverlap = 0.0
    /// Fraction of a link's bandwidth a collective reaches.
    public var commEfficiency = 0.8
    /// Latency of one step of a collective, seconds (a tree: 2·⌈log₂ n⌉ steps per all-reduce).
    public var collectiveLatency = 5e-6
    /// Fraction of device memory kept back (runtime context, allocator fragmentation, workspaces).
    public var memoryReserve = 0.1

    public init() {}

    /// The keys `bench project --assume` accepts beyond the device model's.
    public static let keys: [(name: String, range: String, meaning: String)] = [
        ("overlap", "[0, 1]", "fraction of data-parallel, context-parallel and pipeline traffic hidden behind compute"),
        ("tp_overlap", "[0, 1]", "fraction of tensor-parallel all-reduce time hidden behind compute"),
        ("comm_efficiency", "(0, 1]", "fraction of the link bandwidth a collective reaches"),
        ("collective_latency_us", "[0, 1000]", "latency of one step of a collective, µs"),
        ("memory_reserve", "[0, 0.9]", "fraction of device memory kept back"),
    ]

    /// Sets one `KEY=VALUE`; `false` when the key is not a job key, throws on a bad value.
    public mutating func set(_ key: String, _ text: String) throws(ProjectionError) -> Bool {
        guard let k = Self.keys.first(where: { $0.name == key }) else { return false }
        guard let v = Double(text), v.isFinite, v == 0 || v.isNormal else {
            throw .badInput("--assume \(key)=\(text): not a number (valid: \(k.range))")
        }
        let ok: Bool
        switch key {
        case "overlap": (ok, overlap) = ((0...1).contains(v), v)
        case "tp_overlap": (ok, tpOverlap) = ((0...1).contains(v), v)
        case "comm_efficiency": (ok, commEfficiency) = (v > 0 && v <= 1, v)
        case "collective_latency_us": (ok, collectiveLatency) = ((0...1000).contains(v), v * 1e-6)
        default: (ok, memoryReserve) = ((0...0.9).contains(v), v)
        }
        guard ok else { throw .badInput("--assume \(key)=\(text) is out of range (valid: \(k.range))") }
        return true
    }
}
