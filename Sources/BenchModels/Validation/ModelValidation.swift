import BenchCore

/// The modeled profiles reproducing every point of a ``ValidationSet``, with the errors and
/// their medians per device, source and split (`bench validate-model`, docs/models.md).
///
/// Error = modeled throughput / published throughput − 1: positive when the model is faster
/// (more optimistic) than the hardware measured. A point in seconds compares the published
/// time with the modeled time of all its cases (error = published s / modeled s − 1); a point
/// in TFLOP/s compares it with the cases' FLOPs (as bench counts them) over their modeled time.
/// Each point runs on its own stack's parameters (``ModelParameters/forStack(_:)``).
public struct ModelValidation: Sendable {
    public struct Result: Sendable, Equatable {
        public var point: ValidationPoint
        public var regime: ModelRegime
        /// The modeled figure in the point's unit.
        public var modeled: Double
        public var error: Double
        /// The error when the point's source was left out of the fit (leave-one-source-out).
        public var looError: Double?
    }

    /// The targets of issue 24 (docs/models.md): leave-one-source-out median |error| ≤ 15%,
    /// ≤ 25% on every device with at least 3 sources; the default split's held-out median ≤ 12%;
    /// 80% intervals holding 75–85% of the predictions, median half-width ≤ 30%.
    public static let looTarget = 0.15
    public static let looPerDeviceTarget = 0.25
    public static let perDeviceMinimumSources = 3
    public static let heldOutTarget = 0.12
    public static let coverageRange = 0.75...0.85
    public static let halfWidthTarget = 0.30

    public var results: [Result]
    public var crossValidation: SourceCrossValidation?
    public var coverage: SourceCrossValidation.Coverage?
    public var sources: [ValidationSet.Source]

    /// Evaluates `set` with `catalog` (already carrying any `--assume` changes); with
    /// `crossValidate`, also refits without each source in turn.
    public init(set: ValidationSet, catalog: Catalog, crossValidate: Bool = false) throws(ValidationSetError) {
        results = []
        sources = set.sources
        for (i, p) in set.points.enumerated() {
            guard let profile = Profile.builtIn.first(where: { $0.id == p.device }) else {
                throw .invalid(
                    path: "validation set", location: "points[\(i)] (\(p.id))", reason: "no model for \(p.device)")
            }
            let prepared = try PointEvaluator.prepare(p, at: i)
            let params = catalog.device(named: profile.device)?.model?.forStack(p.stack).resolved()
            guard let model = PointEvaluator.model(profile: profile, catalog: catalog, parameters: params) else {
                throw .invalid(
                    path: "validation set", location: "points[\(i)] (\(p.id))", reason: "no model for \(p.device)")
            }
            let seconds: Double
            do { seconds = try PointEvaluator.modeledSeconds(prepared, on: model) } catch {
                throw .invalid(path: "validation set", location: "points[\(i)] (\(p.id))", reason: "\(error)")
            }
            let modeled = p.published.unit == "s" ? seconds : prepared.flops / seconds / 1e12
            let error = prepared.publishedSeconds / seconds - 1
            results.append(Result(point: p, regime: prepared.regime, modeled: modeled, error: error))
        }
        guard crossValidate else { return }
        let cv = try SourceCrossValidation(set: set, catalog: catalog)
        let byID = Dictionary(uniqueKeysWithValues: cv.predictions.map { ($0.point.id, $0.error) })
        for i in results.indices { results[i].looError = byID[results[i].point.id] }
        crossValidation = cv
        coverage = cv.coverage()
    }

    /// Median |error| of the results that pass `filter`, or `nil` when none does.
    public func median(where filter: (ValidationPoint) -> Bool) -> Double? {
        medianAbs(results.filter { filter($0.point) }.map(\.error))
    }

    /// Median leave-one-source-out |error| of the results that pass `filter`.
    public func looMedian(where filter: (Result) -> Bool = { _ in true }) -> Double? {
        medianAbs(results.filter(filter).compactMap(\.looError))
    }

    /// The held-out median |error| over every device.
    public var heldOutMedian: Double? { median { $0.split == "held-out" } }

    /// Per device (in profile order): points, sources, held-out points, and the medians.
    public struct DeviceSummary: Sendable, Equatable {
        public var device: String
        public var points: Int
        public var sources: Int
        public var heldOutPoints: Int
        public var median: Double?
        public var heldOutMedian: Double?
        public var looMedian: Double?
    }

    public var devices: [DeviceSummary] {
        Profile.builtIn.map(\.id).compactMap { id in
            let mine = results.filter { $0.point.device == id }
            guard !mine.isEmpty else { return nil }
            return DeviceSummary(
                device: id, points: mine.count, sources: Set(mine.map { $0.point.sourceId ?? "" }).count,
                heldOutPoints: mine.filter { $0.point.split == "held-out" }.count,
                median: median { $0.device == id }, heldOutMedian: median { $0.device == id && $0.split == "held-out" },
                looMedian: looMedian { $0.point.device == id })
        }
    }

    /// Per source: its role, devices, points, and median errors (split and left out).
    public struct SourceSummary: Sendable, Equatable {
        public var source: ValidationSet.Source
        public var median: Double?
        public var looMedian: Double?
        /// The median signed leave-one-source-out error (the direction the model is off).
        public var looSigned: Double?
    }

    public var sourceSummaries: [SourceSummary] {
        sources.map { s in
            let mine = results.filter { $0.point.sourceId == s.id }
            let signed = mine.compactMap(\.looError).sorted()
            return SourceSummary(
                source: s, median: medianAbs(mine.map(\.error)), looMedian: medianAbs(mine.compactMap(\.looError)),
                looSigned: signed.isEmpty ? nil : quantile(signed, 0.5))
        }
    }

    /// Leave-one-source-out median |error| per device class and regime.
    public func looTable() -> [(cls: DeviceClass, regime: ModelRegime, points: Int, sources: Int, median: Double)] {
        guard let cv = crossValidation else { return [] }
        var out: [(DeviceClass, ModelRegime, Int, Int, Double)] = []
        for cls in DeviceClass.allCases {
            for r in ModelRegime.allCases {
                let ps = cv.predictions.filter { $0.deviceClass == cls && $0.regime == r }
                guard let m = medianAbs(ps.map(\.error)) else { continue }
                out.append((cls, r, ps.count, Set(ps.map { $0.point.sourceId ?? "" }).count, m))
            }
        }
        return out
    }

    /// The targets not met, one line each (empty when all are met).
    public var failures: [String] {
        func pct(_ x: Double) -> String { "\(fixed(x * 100, 1))%" }
        var out: [String] = []
        if let m = heldOutMedian, m > Self.heldOutTarget {
            out.append("held-out median |error| \(pct(m)) is above the \(pct(Self.heldOutTarget)) target")
        }
        guard crossValidation != nil else { return out }
        if let m = looMedian(), m > Self.looTarget {
            out.append("leave-one-source-out median |error| \(pct(m)) is above the \(pct(Self.looTarget)) target")
        }
        for d in devices where d.sources >= Self.perDeviceMinimumSources {
            if let m = d.looMedian, m > Self.looPerDeviceTarget {
                out.append(
                    "\(d.device): leave-one-source-out median |error| \(pct(m)) is above the \(pct(Self.looPerDeviceTarget)) target"
                )
            }
        }
        if let c = coverage {
            if !Self.coverageRange.contains(c.inside) {
                out.append(
                    "the 80% intervals hold \(pct(c.inside)) of the leave-one-source-out predictions (target 75–85%)")
            }
            if c.medianHalfWidth > Self.halfWidthTarget {
                out.append(
                    "the intervals' median half-width \(pct(c.medianHalfWidth)) is above the \(pct(Self.halfWidthTarget)) target"
                )
            }
        }
        return out
    }
}
