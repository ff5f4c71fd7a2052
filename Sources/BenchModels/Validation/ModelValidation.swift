import BenchCore

/// The modeled profiles reproducing every point of a ``ValidationSet``, with the errors and
/// their medians per device and split (`bench validate-model`, the table in `docs/models.md`).
///
/// Error = modeled throughput / published throughput − 1: positive when the model is faster
/// (more optimistic) than the hardware measured. A point in seconds compares the published
/// time with the modeled time of all its cases (error = published s / modeled s − 1); a point
/// in TFLOP/s compares it with the cases' FLOPs (as bench counts them) over their modeled time.
public struct ModelValidation: Sendable {
    public struct Result: Sendable, Equatable {
        public var point: ValidationPoint
        /// The modeled figure in the point's unit.
        public var modeled: Double
        public var error: Double
    }

    /// The targets of issue 11 (docs/models.md): held-out median |error| ≤ 10%, and ≤ 20% on
    /// every device with at least three held-out points.
    public static let heldOutTarget = 0.10
    public static let perDeviceTarget = 0.20
    public static let perDeviceMinimumPoints = 3

    public var results: [Result]

    /// Evaluates `set` with `catalog` (already carrying any `--assume` changes).
    public init(set: ValidationSet, catalog: Catalog) throws(ValidationSetError) {
        var models: [String: DeviceModel] = [:]
        for profile in Profile.builtIn {
            if let backend = try? ModeledDeviceBackend(profile: profile, catalog: catalog) {
                models[profile.id] = backend.model
            }
        }
        results = []
        for (i, p) in set.points.enumerated() {
            guard let model = models[p.device] else {
                throw .invalid(
                    path: "validation set", location: "points[\(i)] (\(p.id))", reason: "no model for \(p.device)")
            }
            var seconds = 0.0, flops = 0.0
            for part in p.cases {
                let c: KernelCase
                let e: ModeledEstimate
                do {
                    c = try KernelRegistry.builtIn.validatedCase(part.case)
                    e = try model.estimate(c, copies: part.batch ?? 1).get()
                } catch {
                    throw .invalid(
                        path: "validation set", location: "points[\(i)] (\(p.id))",
                        reason: "case '\(part.case)': \(error)")
                }
                seconds += part.count * e.seconds
                let copies = Double(part.batch ?? 1)
                flops += part.count * copies * (KernelRegistry.builtIn.spec(named: c.kernel)?.flops(c) ?? 0)
            }
            let modeled = p.published.unit == "s" ? seconds : flops / seconds / 1e12
            let error = p.published.unit == "s" ? p.published.value / seconds - 1 : modeled / p.published.value - 1
            results.append(Result(point: p, modeled: modeled, error: error))
        }
    }

    /// Median |error| of the results that pass `filter`, or `nil` when none does.
    public func median(where filter: (ValidationPoint) -> Bool) -> Double? {
        let xs = results.filter { filter($0.point) }.map { abs($0.error) }.sorted()
        guard !xs.isEmpty else { return nil }
        let n = xs.count
        return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2
    }

    /// The held-out median |error| over every device.
    public var heldOutMedian: Double? { median { $0.split == "held-out" } }

    /// Per device (in profile order): points, held-out points, and the medians.
    public struct DeviceSummary: Sendable, Equatable {
        public var device: String
        public var points: Int
        public var heldOutPoints: Int
        public var median: Double?
        public var heldOutMedian: Double?
    }

    public var devices: [DeviceSummary] {
        Profile.builtIn.map(\.id).compactMap { id in
            let mine = results.filter { $0.point.device == id }
            guard !mine.isEmpty else { return nil }
            return DeviceSummary(
                device: id, points: mine.count, heldOutPoints: mine.filter { $0.point.split == "held-out" }.count,
                median: median { $0.device == id }, heldOutMedian: median { $0.device == id && $0.split == "held-out" })
        }
    }

    /// The targets not met, one line each (empty when all are met).
    public var failures: [String] {
        var out: [String] = []
        if let m = heldOutMedian, m > Self.heldOutTarget {
            out.append(
                "held-out median |error| \(fixed(m * 100, 1))% is above the \(fixed(Self.heldOutTarget * 100, 0))% target"
            )
        }
        for d in devices where d.heldOutPoints >= Self.perDeviceMinimumPoints {
            if let m = d.heldOutMedian, m > Self.perDeviceTarget {
                out.append(
                    "\(d.device): held-out median |error| \(fixed(m * 100, 1))% is above the \(fixed(Self.perDeviceTarget * 100, 0))% target"
                )
            }
        }
        return out
    }
}
