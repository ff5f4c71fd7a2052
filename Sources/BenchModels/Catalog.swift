import BenchDataFile
import BenchCore
import Foundation

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
    /// For a price imported from AWS's data (`bench catalog import-prices`): exactly where.
    public var provenance: PriceProvenance?

    public init(
        usdPerHour: Double, source: String, date: String, note: String? = nil, provenance: PriceProvenance? = nil
    ) {
        self.usdPerHour = usdPerHour
        self.source = source
        self.date = date
        self.note = note
        self.provenance = provenance
    }

    enum CodingKeys: String, CodingKey { case usdPerHour = "usd_per_hour", source, date, note, provenance }
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
    public static let pricingFallback = [
        "on-demand", "capacity-block", "1yr-reserved", "3yr-reserved", "1yr-savings-plan", "3yr-savings-plan", "spot",
    ]
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
        if let overlay {
            let other = try load(path: overlay, validating: false)
            guard other.schemaVersion == catalog.schemaVersion else {
                throw .invalid(
                    path: overlay, location: "schema_version",
                    reason: "unknown schema_version \(other.schemaVersion) (this build reads \(catalog.schemaVersion))")
            }
            for (i, d) in other.devices.enumerated() where d.model == .empty {
                throw .invalid(
                    path: overlay, location: "devices[\(i)] (\(d.name)).model",
                    reason:
                        "an empty model sets nothing: give the modelling parameters (docs/catalog.md), or leave model out"
                )
            }
            catalog = catalog.overlaid(with: other)
        }
        try catalog.validate(path: overlay ?? "catalog")
        return catalog
    }

    /// Adds or replaces devices and instances (by name) from `other`, and takes its version.
    /// Linear in both catalogs' sizes: names are looked up in a dictionary.
    public func overlaid(with other: Catalog) -> Catalog {
        var result = self
        var deviceIndex = Dictionary(result.devices.enumerated().map { ($1.name, $0) }) { first, _ in first }
        for d in other.devices {
            if let i = deviceIndex[d.name] {
                result.devices[i] = d
            } else {
                deviceIndex[d.name] = result.devices.count
                result.devices.append(d)
            }
        }
        var instanceIndex = Dictionary(result.instances.enumerated().map { ($1.name, $0) }) { first, _ in first }
        for inst in other.instances {
            if let i = instanceIndex[inst.name] {
                result.instances[i] = inst
            } else {
                instanceIndex[inst.name] = result.instances.count
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
