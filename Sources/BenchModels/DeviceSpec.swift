import BenchDataFile
import BenchCore
import Foundation

/// A device: peaks per dtype, memory, and modelling parameters.
public struct DeviceSpec: Codable, Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var vendor: String
    public var kind: String
    /// Dense peaks (TFLOP/s) per dtype. Sparse peaks live in ``peakSparseTflops`` and are never used.
    public var peakDenseTflops: [DType: Fact]
    public var peakSparseTflops: [DType: Fact]?
    public var memoryGb: Fact?
    public var memoryBandwidthGbPerS: Fact?
    public var tdpWatts: Fact?
    /// Power at idle (W), sourced or a documented fraction of the TDP.
    public var idleWatts: Fact?
    public var onChipSramMib: Fact?
    /// Ranks a training job runs per device (NeuronCores on Trainium; 1 when absent).
    public var parallelRanks: Fact?
    public var model: ModelParameters?
    public var notes: String?

    public init(
        name: String, displayName: String, vendor: String, kind: String, peakDenseTflops: [DType: Fact],
        peakSparseTflops: [DType: Fact]?, memoryGb: Fact?, memoryBandwidthGbPerS: Fact?, tdpWatts: Fact?,
        onChipSramMib: Fact?, model: ModelParameters?, notes: String?
    ) {
        (self.name, self.displayName, self.vendor, self.kind) = (name, displayName, vendor, kind)
        (self.peakDenseTflops, self.peakSparseTflops, self.memoryGb, self.memoryBandwidthGbPerS) =
            (peakDenseTflops, peakSparseTflops, memoryGb, memoryBandwidthGbPerS)
        (self.tdpWatts, self.onChipSramMib, self.model, self.notes) = (tdpWatts, onChipSramMib, model, notes)
    }

    enum CodingKeys: String, CodingKey {
        case name, displayName = "display_name", vendor, kind, peakDenseTflops = "peak_dense_tflops"
        case peakSparseTflops = "peak_sparse_tflops", memoryGb = "memory_gb", memoryBandwidthGbPerS =
            "memory_bandwidth_gb_per_s"
        case tdpWatts = "tdp_watts", idleWatts = "idle_watts", onChipSramMib = "on_chip_sram_mib", model, notes
        case parallelRanks = "parallel_ranks"
    }

    /// Memory bandwidth in bytes per second, converting the catalog's unit.
    public var memoryBytesPerSecond: Double? {
        guard let f = memoryBandwidthGbPerS else { return nil }
        switch f.unit {
        case "GiB/s": return f.value * 1_073_741_824
        case "TB/s": return f.value * 1e12
        default: return f.value * 1e9
        }
    }
}

/// A rentable instance: which device, how many, and its prices.
public struct InstanceSpec: Codable, Sendable, Equatable {
    public var name: String
    public var device: String
    /// Accelerator chips, CPU sockets (Graviton) or physical cores (x86), per the catalog notes.
    public var deviceCount: Int
    public var vcpus: Int?
    public var provider: String
    public var region: String
    public var prices: [String: Price]
    public var notes: String?
    /// The links between devices and between instances (`bench project`'s communication).
    public var interconnect: Interconnect?

    public init(
        name: String, device: String, deviceCount: Int, provider: String, region: String, prices: [String: Price],
        interconnect: Interconnect? = nil
    ) {
        (self.name, self.device, self.deviceCount, self.provider, self.region) = (
            name, device, deviceCount, provider, region
        )
        (self.prices, self.interconnect) = (prices, interconnect)
    }

    enum CodingKeys: String, CodingKey {
        case name, device, deviceCount = "device_count", vcpus, provider, region, prices, notes, interconnect
    }
}
