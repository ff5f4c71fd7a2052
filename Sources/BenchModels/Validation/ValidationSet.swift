import BenchDataFile
import BenchCore
import Foundation

/// Published measurements the modeled profiles are checked against
/// (`Sources/BenchModels/Resources/validation.json`, documented in `docs/models.md`).
///
/// Each point is a published figure on one device, reproduced as one or more of bench's cases
/// (a GEMM, or a whole training step as blocks plus the LM head), with its source, date and
/// how the figure was converted. The calibration / held-out split is fixed in the file: the
/// model's parameters may be fitted on `calibration` points only.
public struct ValidationSet: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var description: String?
    public var points: [ValidationPoint]

    enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", description, points }

    /// The validation set shipped with bench.
    public static func shipped() throws(ValidationSetError) -> ValidationSet {
        guard let url = Bundle.module.url(forResource: "validation", withExtension: "json") else {
            throw .unreadable(path: "validation.json (bench's resource bundle)", reason: "not found next to the binary")
        }
        return try load(path: url.path)
    }

    /// Reads and checks a validation-set file (JSON or YAML).
    public static func load(path: String) throws(ValidationSetError) -> ValidationSet {
        let set: ValidationSet
        switch DataFile.decode(ValidationSet.self, path: path) {
        case .success(let v): set = v
        case .failure(.unreadable): throw .unreadable(path: path, reason: "cannot read the file")
        case .failure(.syntax(let detail)): throw .invalid(path: path, location: "", reason: "syntax error: \(detail)")
        case .failure(.invalid(let location, let reason)):
            throw .invalid(path: path, location: location, reason: reason)
        }
        try set.validate(path: path)
        return set
    }

    /// Every point well-formed: a unique id, a known profile and split, valid cases with
    /// positive counts, a positive finite figure in a known unit, a source and a date, and a
    /// measured dtype that is the case's or has the same peak on that device.
    public func validate(path: String, catalog: Catalog? = nil) throws(ValidationSetError) {
        guard schemaVersion == 2 else {
            throw .invalid(
                path: path, location: "schema_version",
                reason: schemaVersion == 1
                    ? "schema_version 1 has no source_id or stack per point; this build reads 2 (docs/models.md#the-validation-set)"
                    : "unknown schema_version \(schemaVersion) (this build reads 2)")
        }
        guard !points.isEmpty else { throw .invalid(path: path, location: "points", reason: "no point") }
        let catalog = catalog ?? (try? Catalog.shipped())
        var ids = Set<String>()
        var roles: [String: (split: String, point: String)] = [:]
        for (i, p) in points.enumerated() {
            let at = "points[\(i)] (\(p.id))"
            func bad(_ reason: String) -> ValidationSetError { .invalid(path: path, location: at, reason: reason) }
            guard !p.id.isEmpty, ids.insert(p.id).inserted else { throw bad("empty or duplicate id") }
            guard let profile = Profile.builtIn.first(where: { $0.id == p.device }) else {
                throw bad("unknown device '\(p.device)' (valid: \(Profile.builtIn.map(\.id).joined(separator: ", ")))")
            }
            guard ValidationPoint.splits.contains(p.split) else {
                throw bad("unknown split '\(p.split)' (valid: \(ValidationPoint.splits.joined(separator: ", ")))")
            }
            guard let source = p.sourceId, !source.isEmpty else {
                throw bad("no source_id: every point names its source (one table, README or paper)")
            }
            if let other = roles[source], other.split != p.split {
                throw bad(
                    "source '\(source)' is split across roles: \(other.point) is \(other.split), this point \(p.split) (a source is wholly calibration or wholly held-out)"
                )
            }
            roles[source] = roles[source] ?? (p.split, p.id)
            guard let stack = p.stack, !stack.isEmpty else {
                throw bad("no stack (valid: \(Stack.names.joined(separator: ", ")))")
            }
            guard Stack.names.contains(stack) else {
                throw bad("unknown stack '\(stack)' (valid: \(Stack.names.joined(separator: ", ")))")
            }
            guard let kind = p.conversionKind, ValidationPoint.conversionKinds.contains(kind) else {
                throw bad(
                    "conversion_kind must be one of \(ValidationPoint.conversionKinds.joined(separator: ", ")) (got '\(p.conversionKind ?? "")')"
                )
            }
            if let l = p.layout {
                let parts = [l.devices, l.tp ?? 1, l.pp ?? 1, l.dp ?? 1]
                guard parts.allSatisfy({ (1...100_000).contains($0) }),
                    (l.tp ?? 1) * (l.pp ?? 1) * (l.dp ?? 1) == l.devices || (l.tp == nil && l.pp == nil && l.dp == nil)
                else {
                    throw bad("layout: devices must be in 1...100000 and equal tp × pp × dp")
                }
            }
            guard !p.cases.isEmpty else { throw bad("no case") }
            var dtypes: [DType] = []
            for c in p.cases {
                do {
                    dtypes.append(try KernelRegistry.builtIn.validatedCase(c.case).dtype)
                } catch {
                    throw bad("case '\(c.case)': \(error)")
                }
                guard c.count > 0, c.count.isFinite, c.count <= 1e6 else {
                    throw bad("case '\(c.case)': count must be in (0, 1000000] (got \(c.count))")
                }
                if let b = c.batch, !(1...65_536).contains(b) {
                    throw bad("case '\(c.case)': batch must be in 1...65536 (got \(b))")
                }
            }
            guard p.published.value.isFinite, p.published.value > 0 else {
                throw bad("published value must be positive and finite (got \(p.published.value))")
            }
            guard ValidationPoint.units.contains(p.published.unit) else {
                throw bad(
                    "unknown published unit '\(p.published.unit)' (valid: \(ValidationPoint.units.joined(separator: ", ")))"
                )
            }
            guard !p.source.isEmpty, !p.date.isEmpty, !p.conversion.isEmpty else {
                throw bad("source, date and conversion are required")
            }
            let caseDtype = dtypes[0]
            if p.measuredDtype != caseDtype {
                guard let device = catalog?.device(named: profile.device),
                    let measured = device.peakDenseTflops[p.measuredDtype]?.value,
                    let modeled = device.peakDenseTflops[caseDtype]?.value, measured == modeled
                else {
                    throw bad(
                        "measured in \(p.measuredDtype) but modeled in \(caseDtype): allowed only where the device's two peaks are equal"
                    )
                }
            }
        }
    }
}

/// One published point.
public struct ValidationPoint: Codable, Sendable, Equatable {
    public static let splits = ["calibration", "held-out"]
    public static let units = ["TFLOP/s", "s"]
    public static let conversionKinds = ["none", "unit", "partial-device", "cluster-to-device", "per-core-to-chip"]

    /// How a multi-device figure was run: devices and the parallel layout.
    public struct Layout: Codable, Sendable, Equatable {
        public var devices: Int
        public var tp: Int?
        public var pp: Int?
        public var dp: Int?
    }

    /// One of bench's cases, `count` times one after the other (e.g. 12 transformer blocks),
    /// each call doing `batch` independent copies at once (a batched matmul, or one copy per
    /// core when a source measured part of the device).
    public struct Part: Codable, Sendable, Equatable {
        public var `case`: String
        public var count: Double
        public var batch: Int?

        public init(case c: String, count: Double, batch: Int?) {
            (self.case, self.count, self.batch) = (c, count, batch)
        }
    }

    public struct Figure: Codable, Sendable, Equatable {
        public var value: Double
        /// `TFLOP/s` (FLOPs as bench counts them for the cases) or `s` (seconds for all the cases).
        public var unit: String

        public init(value: Double, unit: String) { (self.value, self.unit) = (value, unit) }
    }

    public var id: String
    /// A modeled profile id (`h100`, `trainium1`, …).
    public var device: String
    /// The source as one unit (one table, README, PR description or paper): every point of a
    /// source is calibration or every one is held out.
    public var sourceId: String?
    /// The software stack that ran it (``Stack``).
    public var stack: String?
    /// What kind of conversion `conversion` describes: none, unit, partial-device,
    /// cluster-to-device or per-core-to-chip.
    public var conversionKind: String?
    /// Multi-device figures: how many devices ran it and their parallel layout.
    public var layout: Layout?
    /// `calibration` (the model may be fitted on it) or `held-out`.
    public var split: String
    public var cases: [Part]
    public var published: Figure
    /// The dtype the source measured (fp16 stands for bf16 where the peaks are equal).
    public var measuredDtype: DType
    public var source: String
    public var date: String
    /// How the published figure became `published` (arithmetic, substitutions).
    public var conversion: String
    public var quote: String?

    enum CodingKeys: String, CodingKey {
        case id, device, split, cases, published, measuredDtype = "measured_dtype", source, date, conversion, quote
        case sourceId = "source_id", stack, conversionKind = "conversion_kind", layout
    }
}

/// A validation-set file that cannot be used: file, place and reason, on one line.
public enum ValidationSetError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, location: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "validation set '\(p)': \(r)"
        case .invalid(let p, let l, let r): "validation set '\(p)': \(l.isEmpty ? "" : l + ": ")\(r)"
        }
    }
}
