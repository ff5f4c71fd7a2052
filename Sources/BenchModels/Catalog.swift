import BenchDataFile
import BenchCore
import Foundation
import Yams

/// A sourced number: value, unit, source and date (and an optional note or number format).
public struct Fact: Codable, Sendable, Equatable {
    public var value: Double
    public var unit: String
    public var source: String
    public var date: String
    public var note: String?
    public var format: String?

    /// Whether the number is a modelling assumption rather than a sourced fact.
    public var isAssumption: Bool { source == "assumption" }

    public init(value: Double, unit: String, source: String, date: String, note: String?, format: String?) {
        (self.value, self.unit, self.source, self.date, self.note, self.format) = (
            value, unit, source, date, note, format
        )
    }
}

/// An hourly price on one pricing basis.
public struct Price: Codable, Sendable, Equatable {
    public var usdPerHour: Double
    public var source: String
    public var date: String
    public var note: String?

    enum CodingKeys: String, CodingKey { case usdPerHour = "usd_per_hour", source, date, note }
}

/// A sourced choice between named options (e.g. fused or unfused attention).
public struct Choice: Codable, Sendable, Equatable {
    public var value: String
    public var source: String
    public var date: String
    public var note: String?

    public init(value: String, source: String, date: String, note: String?) {
        (self.value, self.source, self.date, self.note) = (value, source, date, note)
    }
}

/// One output tile a device's GEMM library can pick: `m×n` outputs per compute unit, `k`
/// the main-loop step, and its efficiency relative to `matmul_efficiency` (smaller tiles
/// reuse less data per load).
public struct Tile: Codable, Sendable, Equatable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var efficiency: Double

    public init(m: Int, n: Int, k: Int, efficiency: Double) {
        (self.m, self.n, self.k, self.efficiency) = (m, n, k, efficiency)
    }
}

/// The tiles and split-K factors the model chooses from per shape, with their source.
public struct TileMenu: Codable, Sendable, Equatable {
    public var tiles: [Tile]
    /// K split factors the library may use (1 = no split); partial sums are reduced in fp32.
    public var splitK: [Int]
    public var source: String
    public var date: String
    public var note: String?

    public init(tiles: [Tile], splitK: [Int], source: String, date: String, note: String?) {
        (self.tiles, self.splitK, self.source, self.date, self.note) = (tiles, splitK, source, date, note)
    }

    enum CodingKeys: String, CodingKey { case tiles, splitK = "split_k", source, date, note }
}

/// The modelling parameters of a device (all `source: assumption` unless sourced).
public struct ModelParameters: Codable, Sendable, Equatable {
    public var launchOverheadUs: Fact?
    /// The single tile used when there is no ``tileMenu`` (host profiles from `bench calibrate`).
    public var tileM: Fact?, tileN: Fact?, tileK: Fact?
    public var tileMenu: TileMenu?
    /// Fixed cost of one tile on one unit (prologue, epilogue, pipeline fill), in µs.
    public var tileCostUs: Fact?
    /// Least time of one main-loop (K) step of a tile: issue and load latency, in ns.
    public var kStepLatencyNs: Fact?
    public var computeUnits: Fact?
    public var matmulEfficiency: Fact?
    /// Extra factor on `matmul_efficiency` per dtype (e.g. fp8 GEMMs reach a lower fraction).
    public var dtypeEfficiency: [String: Fact]?
    public var memoryEfficiency: Fact?
    /// Element-wise rates (TFLOP/s per device): normalisations, reductions and the optimizer run
    /// on the vector engine, activations and exponentials on the scalar engine. GPUs run both on
    /// their CUDA cores. Without them, element-wise work runs at the fp32 dense peak.
    public var vectorTflops: Fact?
    public var scalarTflops: Fact?
    /// `fused` or `unfused`: what the device's mainstream training stack does with attention.
    public var attention: Choice?
    /// Fraction of the dense peak a fused attention kernel reaches (forward and backward).
    public var attentionEfficiency: Fact?
    /// Whole-step efficiency of training steps (compiler-generated graphs); 1 when absent.
    public var stepEfficiency: Fact?
    /// Removed in catalog 2026.12.02 (``tileCostUs`` models what it described); refused when set.
    public var minWorkPerUnitFlops: Fact?

    public init(
        launchOverheadUs: Fact?, tileM: Fact?, tileN: Fact?, tileK: Fact?, computeUnits: Fact?,
        matmulEfficiency: Fact?, memoryEfficiency: Fact?
    ) {
        (self.launchOverheadUs, self.tileM, self.tileN, self.tileK) = (launchOverheadUs, tileM, tileN, tileK)
        (self.computeUnits, self.matmulEfficiency, self.memoryEfficiency) =
            (computeUnits, matmulEfficiency, memoryEfficiency)
    }

    /// No parameter set: every one takes the model's default.
    public static let empty = ModelParameters(
        launchOverheadUs: nil, tileM: nil, tileN: nil, tileK: nil, computeUnits: nil, matmulEfficiency: nil,
        memoryEfficiency: nil)

    enum CodingKeys: String, CodingKey {
        case launchOverheadUs = "launch_overhead_us", tileM = "tile_m", tileN = "tile_n", tileK = "tile_k"
        case tileMenu = "tile_menu", tileCostUs = "tile_cost_us", kStepLatencyNs = "k_step_latency_ns"
        case computeUnits = "compute_units", matmulEfficiency = "matmul_efficiency", memoryEfficiency =
            "memory_efficiency"
        case dtypeEfficiency = "dtype_efficiency", vectorTflops = "vector_tflops", scalarTflops = "scalar_tflops"
        case attention, attentionEfficiency = "attention_efficiency", stepEfficiency = "step_efficiency"
        case minWorkPerUnitFlops = "min_work_per_unit_flops"
    }
}

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

    enum CodingKeys: String, CodingKey {
        case name, device, deviceCount = "device_count", vcpus, provider, region, prices, notes
    }
}

/// The versioned catalog of devices, instances and prices (`Sources/BenchModels/Resources/catalog.json`,
/// schema in `docs/catalog.md`).
public struct Catalog: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var catalogVersion: String
    public var currency: String
    public var devices: [DeviceSpec]
    public var instances: [InstanceSpec]

    public init(
        schemaVersion: Int, catalogVersion: String, currency: String, devices: [DeviceSpec], instances: [InstanceSpec]
    ) {
        (self.schemaVersion, self.catalogVersion, self.currency, self.devices, self.instances) =
            (schemaVersion, catalogVersion, currency, devices, instances)
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", catalogVersion = "catalog_version", currency, devices, instances
    }

    /// Pricing bases, in the order used when the requested one has no price.
    public static let pricingFallback = ["on-demand", "capacity-block", "1yr-reserved", "3yr-reserved", "spot"]
    static let kinds: Set<String> = ["aws_neuron", "nvidia_gpu", "aws_cpu", "x86_cpu"]
    // fp64 appears in host profiles written by `bench calibrate`.
    static let dtypes: Set<String> = ["fp64", "fp32", "tf32", "bf16", "fp16", "fp8"]

    public func device(named name: String) -> DeviceSpec? { devices.first { $0.name == name } }
    public func instance(named name: String) -> InstanceSpec? { instances.first { $0.name == name } }

    /// The price of `instance` on `basis`, falling back in ``pricingFallback`` order.
    /// Returns the basis actually used, or `nil` when the instance has no price at all.
    public func price(of instance: InstanceSpec, basis: String) -> (price: Price, basis: String)? {
        if let p = instance.prices[basis] { return (p, basis) }
        for b in Self.pricingFallback where b != basis {
            if let p = instance.prices[b] { return (p, b) }
        }
        return nil
    }

    /// The catalog shipped with bench.
    public static func shipped() throws(CatalogError) -> Catalog {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: "json") else {
            throw .unreadable(path: "catalog.json (bench's resource bundle)", reason: "not found next to the binary")
        }
        return try load(path: url.path)
    }

    /// Reads and validates a catalog file (JSON, or YAML: it is read with Yams).
    public static func load(path: String, validating: Bool = true) throws(CatalogError) -> Catalog {
        let catalog: Catalog
        switch DataFile.decode(Catalog.self, path: path) {
        case .success(let c): catalog = c
        case .failure(.unreadable): throw .unreadable(path: path, reason: "cannot read the file")
        case .failure(.syntax(let detail)): throw .syntax(path: path, detail: detail)
        case .failure(.invalid(let location, let reason)):
            throw .invalid(path: path, location: location, reason: reason)
        }
        if validating { try catalog.validate(path: path) }
        return catalog
    }

    /// The shipped catalog with the file at `overlay` (if any) laid over it, validated.
    ///
    /// The overlay is validated together with the shipped catalog, so it may add an instance
    /// of a shipped device.
    public static func shipped(overlaidWith overlay: String?) throws(CatalogError) -> Catalog {
        var catalog = try shipped()
        if let overlay { catalog = catalog.overlaid(with: try load(path: overlay, validating: false)) }
        try catalog.validate(path: overlay ?? "catalog")
        return catalog
    }

    /// Adds or replaces devices and instances (by name) from `other`, and takes its version.
    public func overlaid(with other: Catalog) -> Catalog {
        var result = self
        for d in other.devices {
            if let i = result.devices.firstIndex(where: { $0.name == d.name }) {
                result.devices[i] = d
            } else {
                result.devices.append(d)
            }
        }
        for inst in other.instances {
            if let i = result.instances.firstIndex(where: { $0.name == inst.name }) {
                result.instances[i] = inst
            } else {
                result.instances.append(inst)
            }
        }
        result.catalogVersion = "\(catalogVersion)+\(other.catalogVersion)"
        return result
    }
}

/// Errors reading or validating a catalog: file, location and reason.
public enum CatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, detail: String)
    case invalid(path: String, location: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "catalog '\(p)': \(r)"
        case .syntax(let p, let d): "catalog '\(p)': syntax error: \(d)"
        case .invalid(let p, let l, let r): "catalog '\(p)': \(l.isEmpty ? "" : l + ": ")\(r)"
        }
    }
}

extension DeviceSpec {
    /// The device's dense peaks in FLOP/s per dtype.
    public var denseFLOPS: [DType: Double] { peakDenseTflops.mapValues { $0.value * 1e12 } }
}

extension Catalog {
    /// The fastest dense peak FLOP/s of any device per dtype: a self-timed row above it is
    /// impossible.
    public var fastestDenseFLOPS: [DType: Double] {
        var fastest: [DType: Double] = [:]
        for d in devices {
            for (dtype, f) in d.denseFLOPS { fastest[dtype] = max(fastest[dtype] ?? 0, f) }
        }
        return fastest
    }
}
