import BenchCore
import Foundation
import Synchronization

/// The model's honest error: leave-one-source-out. For every source, the devices it covers are
/// refitted on every other source's points (calibration and held-out alike) and its own points
/// predicted. These residuals are the headline error, and the intervals on modeled rows
/// (``ErrorTable``) are taken from them (docs/models.md#leave-one-source-out).
public struct SourceCrossValidation: Sendable {
    /// One point predicted by a model fitted without its source.
    public struct Prediction: Sendable {
        public var point: ValidationPoint
        public var regime: ModelRegime
        public var deviceClass: DeviceClass
        /// Published seconds ÷ modeled seconds − 1 (= modeled ÷ published throughput − 1).
        public var error: Double
    }

    public var predictions: [Prediction]

    /// Runs the refits, two sources at a time where the host has the cores.
    public init(set: ValidationSet, catalog: Catalog) throws(ValidationSetError) {
        var prepared: [PointEvaluator.Prepared] = []
        for (i, p) in set.points.enumerated() { prepared.append(try PointEvaluator.prepare(p, at: i)) }
        let sources = set.sources
        let kinds = Dictionary(
            uniqueKeysWithValues: Profile.builtIn.map { ($0.id, catalog.device(named: $0.device)?.kind ?? "") })
        let points = prepared
        let results = Mutex<[[Prediction]]>(Array(repeating: [], count: sources.count))
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in
            let source = sources[i]
            let training = points.filter { $0.point.sourceId != source.id }
            var out: [Prediction] = []
            for group in ModelFit.groups where group.contains(where: { source.devices.contains($0.id) }) {
                let ids = group.map(\.id)
                let mine = training.filter { ids.contains($0.point.device) }
                guard let fit = ModelFit.fitDevice(group, points: mine, catalog: catalog) else { continue }
                for p in points where p.point.sourceId == source.id && ids.contains(p.point.device) {
                    guard let profile = group.first(where: { $0.id == p.point.device }) else { continue }
                    let params = fit.parameters.forStack(p.point.stack).resolved()
                    guard let model = PointEvaluator.model(profile: profile, catalog: catalog, parameters: params),
                        let t = try? PointEvaluator.modeledSeconds(p, on: model)
                    else { continue }
                    out.append(
                        Prediction(
                            point: p.point, regime: p.regime,
                            deviceClass: DeviceClass.of(kind: kinds[profile.id] ?? ""),
                            error: p.publishedSeconds / t - 1))
                }
            }
            results.withLock { $0[i] = out }
        }
        // In the set's point order, whatever order the sources finished in.
        let byID = Dictionary(uniqueKeysWithValues: results.withLock { $0 }.flatMap { $0 }.map { ($0.point.id, $0) })
        predictions = set.points.compactMap { byID[$0.id] }
    }

    /// Median |error| of the predictions that pass `filter`.
    public func median(where filter: (Prediction) -> Bool = { _ in true }) -> Double? {
        medianAbs(predictions.filter(filter).map(\.error))
    }
}

/// The median of |x| over `xs`, or `nil` when empty.
func medianAbs(_ xs: [Double]) -> Double? {
    let s = xs.map(abs).sorted()
    guard !s.isEmpty else { return nil }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The `q` quantile (type 7, linear interpolation) of sorted `s`.
func quantile(_ s: [Double], _ q: Double) -> Double {
    guard s.count > 1 else { return s.first ?? 0 }
    let h = Double(s.count - 1) * q
    let lo = Int(floor(h))
    let hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

extension SourceCrossValidation {
    /// How well the intervals hold on sources they were not built from: for every source, the
    /// table is rebuilt from the other sources' predictions and its points checked against it.
    public struct Coverage: Sendable, Equatable {
        /// Fraction of predictions whose published time falls inside their 80% interval.
        public var inside: Double
        /// Median over predictions of the interval's half-width, (high − low) ÷ 2, relative.
        public var medianHalfWidth: Double
        public var predictions: Int
        /// Per device class: predictions inside their interval, and predictions.
        public var byClass: [DeviceClass: (inside: Int, total: Int)] = [:]
        /// Per regime: predictions inside their interval, and predictions.
        public var byRegime: [ModelRegime: (inside: Int, total: Int)] = [:]

        public static func == (a: Self, b: Self) -> Bool {
            (a.inside, a.medianHalfWidth, a.predictions) == (b.inside, b.medianHalfWidth, b.predictions)
        }
    }

    public func coverage() -> Coverage {
        var inside = 0, total = 0
        var widths: [Double] = []
        var byClass: [DeviceClass: (inside: Int, total: Int)] = [:]
        var byRegime: [ModelRegime: (inside: Int, total: Int)] = [:]
        let sources = Array(Set(predictions.map { $0.point.sourceId ?? "" })).sorted()
        for s in sources {
            let others = predictions.filter { $0.point.sourceId != s }
            let table = ErrorTable(predictions: others, catalogVersion: "")
            for p in predictions where p.point.sourceId == s {
                guard
                    let iv = table.interval(
                        device: p.point.device, deviceClass: p.deviceClass, stack: p.point.stack, regime: p.regime)
                else { continue }
                total += 1
                let ratio = 1 + p.error
                let hit = ratio >= iv.low && ratio <= iv.high
                if hit { inside += 1 }
                byClass[p.deviceClass, default: (0, 0)].total += 1
                byRegime[p.regime, default: (0, 0)].total += 1
                if hit {
                    byClass[p.deviceClass, default: (0, 0)].inside += 1
                    byRegime[p.regime, default: (0, 0)].inside += 1
                }
                widths.append((iv.high - iv.low) / 2)
            }
        }
        return Coverage(
            inside: total > 0 ? Double(inside) / Double(total) : 0, medianHalfWidth: medianAbs(widths) ?? 0,
            predictions: total, byClass: byClass, byRegime: byRegime)
    }
}
