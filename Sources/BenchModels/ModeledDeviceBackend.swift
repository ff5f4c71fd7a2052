import BenchCore

/// A modeled backend ("profile"): one accelerator chip, or one CPU instance, from the catalog.
public final class ModeledDeviceBackend: ModeledBackend {
    public let id: BackendID
    public let kind = BackendKind.modeled
    public let device: String
    public let dtypes: [DType]
    public let catalogVersion: String
    public let model: DeviceModel
    /// The instance the price comes from, and how many of this backend's units it holds.
    public let instance: InstanceSpec
    public let sharesPerInstance: Int

    /// The shipped interval table (docs/models.md#intervals), read once.
    static let errorTable = ErrorTable.shipped()

    public init(profile: Profile, catalog: Catalog) throws(CatalogError) {
        guard let spec = catalog.device(named: profile.device) else {
            throw .invalid(
                path: "catalog", location: "devices", reason: "profile \(profile.id) needs device '\(profile.device)'")
        }
        guard let inst = catalog.instance(named: profile.instance) else {
            throw .invalid(
                path: "catalog", location: "instances",
                reason: "profile \(profile.id) needs instance '\(profile.instance)'")
        }
        id = BackendID(profile.id)
        instance = inst
        // An accelerator backend is one chip; a CPU backend is the whole instance.
        let perBackend = spec.kind == "aws_cpu" || spec.kind == "x86_cpu" ? inst.deviceCount : 1
        sharesPerInstance = inst.deviceCount / perBackend
        model = DeviceModel(device: spec, count: perBackend)
        catalogVersion = catalog.catalogVersion
        device =
            "\(spec.displayName)\(perBackend > 1 ? " ×\(perBackend)" : "") (modeled; \(inst.name)\(sharesPerInstance > 1 ? " ÷ \(sharesPerInstance)" : ""))"
        dtypes = DType.known.filter { spec.peakDenseTflops[$0] != nil }
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        switch model.estimate(kernelCase) {
        case .success: nil
        case .failure(let e): "\(id): \(e)"
        }
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        throw BackendError.failed("\(id) is modeled: it estimates, it does not run")
    }

    public func estimate(_ kernelCase: KernelCase) throws -> ModeledEstimate {
        switch model.estimate(kernelCase) {
        case .success(var e):
            if let table = Self.errorTable,
                let iv = table.interval(
                    device: id.rawValue, deviceClass: DeviceClass.of(kind: model.device.kind),
                    stack: model.parameters?.stack, regime: .of(kernelCase))
            {
                e.interval = (iv.low, iv.high, iv.note)
            }
            return e
        case .failure(let e): throw BackendError.failed("\(e)")
        }
    }
}

/// A named modeled backend: which catalog device and which instance prices it.
public struct Profile: Sendable, Equatable {
    public var id: String
    public var device: String
    public var instance: String

    /// The built-in profiles (an accelerator stands for one chip priced as instance ÷ chips;
    /// a CPU profile stands for the whole instance).
    public static let builtIn: [Profile] = [
        Profile(id: "trainium1", device: "trainium1", instance: "trn1.32xlarge"),
        Profile(id: "trainium2", device: "trainium2", instance: "trn2.48xlarge"),
        Profile(id: "h100", device: "h100", instance: "p5.48xlarge"),
        Profile(id: "h200", device: "h200", instance: "p5en.48xlarge"),
        Profile(id: "a100", device: "a100", instance: "p4de.24xlarge"),
        Profile(id: "b200", device: "b200", instance: "p6-b200.48xlarge"),
        Profile(id: "graviton3", device: "graviton3", instance: "c7g.16xlarge"),
        Profile(id: "graviton4", device: "graviton4", instance: "c8g.48xlarge"),
    ]
}
