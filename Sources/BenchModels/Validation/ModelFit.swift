import BenchCore
import Foundation

/// `bench validate-model --fit`: every fitted parameter of a device derived from published
/// points by a deterministic optimiser (docs/models.md#fitting).
///
/// Loss: the mean |log(modeled time ÷ published time)| over the device's points, each point
/// weighted 1 ÷ (its source's points on the device), so every source counts once however many
/// rows its table has; kernel parameters see the single-kernel points, step parameters
/// (attention, step efficiency) the step and multi-device points; plus 0.005 × |log(value ÷
/// start)|, a weak pull that keeps a barely constrained parameter at its start. Optimiser: coordinate descent from fixed start values (never the
/// catalog's previous fit, so fitting the fitted catalog gives the same numbers); per parameter a
/// 17-point grid over its bounds, then 24 golden-section steps between the best grid point's
/// neighbours; sweeps until no parameter moves by more than 0.01% (at most 12). A parameter no
/// point depends on keeps the catalog's value. Values are rounded to 4 significant digits.
public struct ModelFit: Sendable {
    /// One device's fit.
    public struct DeviceFit: Sendable {
        /// The first profile of the fit's group (``sharedFits``).
        public var profile: Profile
        /// Every profile fitted together: one set of parameters for all of them.
        public var profiles: [Profile]
        public var parameters: ModelParameters
        /// The fitted parameters with their values, in fit order.
        public var fitted: [(parameter: FitParameter, value: Double)]
        /// Parameters that ended on a bound that is not a physical limit.
        public var atBound: [(parameter: FitParameter, bound: Double)]
        public var sources: [String]
        public var loss: Double
    }

    static let gridPoints = 17
    static let goldenSteps = 24
    static let maxSweeps = 12
    /// Weight of the pull towards a parameter's start value, per unit of |log(value ÷ start)|.
    static let priorWeight = 0.005

    /// Fits every profile with points in `points`, starting from `catalog`.
    /// Profiles fitted as one: the H100 and H200 are the same GH100 die (same SMs, clocks and
    /// tensor cores; the H200 has more and faster memory, which the catalog gives each), so
    /// their kernel parameters are one set, fitted on both devices' points.
    public static let sharedFits: [[String]] = [["h100", "h200"]]

    /// The profiles fitted together with `id` (itself alone unless in ``sharedFits``).
    static func group(of id: String) -> [Profile] {
        let ids = sharedFits.first { $0.contains(id) } ?? [id]
        return Profile.builtIn.filter { ids.contains($0.id) }
    }

    /// The fit groups, in profile order.
    static var groups: [[Profile]] {
        var seen = Set<String>()
        var out: [[Profile]] = []
        for p in Profile.builtIn where !seen.contains(p.id) {
            let g = group(of: p.id)
            g.forEach { seen.insert($0.id) }
            out.append(g)
        }
        return out
    }

    static func fit(points: [PointEvaluator.Prepared], catalog: Catalog) -> [DeviceFit] {
        groups.compactMap { group in
            let ids = group.map(\.id)
            return fitDevice(group, points: points.filter { ids.contains($0.point.device) }, catalog: catalog)
        }
    }

    /// Fits a group of profiles on `points` (all of theirs); `nil` when the catalog lacks one.
    static func fitDevice(_ group: [Profile], points: [PointEvaluator.Prepared], catalog: Catalog) -> DeviceFit? {
        guard let profile = group.first, let spec = catalog.device(named: profile.device), let base = spec.model
        else { return nil }
        let byID = Dictionary(uniqueKeysWithValues: group.map { ($0.id, $0) })
        let defaultStack = base.defaultStack?.value
        var otherStacks: [String] = []
        for p in points {
            if let s = p.point.stack, s != defaultStack, !otherStacks.contains(s) { otherStacks.append(s) }
        }
        otherStacks.sort()
        let candidates = FitParameter.candidates(
            kind: spec.kind, parameters: base, hasFP8: spec.peakDenseTflops[.fp8] != nil, otherStacks: otherStacks)
        var sourceCount: [String: Int] = [:]
        for p in points { sourceCount[p.point.sourceId ?? "", default: 0] += 1 }
        let weights = points.map { 1 / Double(sourceCount[$0.point.sourceId ?? ""] ?? 1) }

        // Kernel parameters are fitted on single-kernel points; step parameters (attention,
        // whole-step efficiency) on step and multi-device points. The model has no
        // communication, so a multi-device figure must not slow its GEMMs down.
        let isStepPoint = points.map { $0.regime == .step || $0.regime == .multiDevice }
        func loss(_ m: ModelParameters, steps: Bool?) -> Double {
            var total = 0.0, weight = 0.0
            for (i, (p, w)) in zip(points, weights).enumerated() where steps == nil || isStepPoint[i] == steps {
                let params = m.forStack(p.point.stack).resolved()
                guard
                    let model = PointEvaluator.model(
                        profile: byID[p.point.device] ?? profile, catalog: catalog, parameters: params),
                    let t = try? PointEvaluator.modeledSeconds(p, on: model), t > 0
                else { continue }
                total += w * abs(log(t / p.publishedSeconds))
                weight += w
            }
            return weight > 0 ? total / weight : 0
        }
        func loss(_ m: ModelParameters) -> Double { loss(m, steps: nil) }
        // A weak pull towards the start value, so a parameter the points barely constrain
        // stays where it starts instead of wandering along a flat loss.
        func objective(_ c: FitParameter) -> (ModelParameters) -> Double {
            let steps = c.isStepParameter
            return { m in
                let v = c.get(m) ?? c.start
                let eps = c.lower == 0 ? 0.1 * c.start : 0
                return loss(m, steps: steps) + priorWeight * abs(log((v + eps) / (c.start + eps)))
            }
        }
        // A parameter is fitted when some point's modeled time depends on it.
        var params = base
        var active: [FitParameter] = []
        for c in candidates {
            var lo = base, hi = base
            c.set(&lo, c.start * 0.7 + (c.lowerIsLimit && c.lower == 0 ? 0.5 : 0))
            c.set(&hi, min(c.upper, c.start * 1.3 + 1e-3))
            let group = { (m: ModelParameters) in loss(m, steps: c.isStepParameter) }
            if abs(group(lo) - group(hi)) > 1e-12 {
                active.append(c)
                c.set(&params, c.start)
            } else if c.wasFitted(base) {
                // Fitted before on points this fit does not have (a left-out source): the start
                // value, so that source's data cannot leak back in.
                c.set(&params, c.start)
            }
        }
        for _ in 0..<maxSweeps {
            var moved = false
            for c in active {
                let before = c.get(params) ?? c.start
                let f = objective(c)
                let (value, l) = search(c, from: params, loss: f)
                if l < f(params) - 1e-12 {
                    c.set(&params, value)
                    if abs(value - before) > 1e-4 * max(abs(before), 1e-6) { moved = true }
                }
            }
            if !moved { break }
        }
        var fitted: [(FitParameter, Double)] = []
        var atBound: [(FitParameter, Double)] = []
        for c in active {
            let v = round4(c.get(params) ?? c.start)
            c.set(&params, v)
            fitted.append((c, v))
            // On a bound, and the loss still falls past it: the points want a value the bounds
            // forbid (an efficiency above 1), so the model cannot reproduce them.
            let span = c.upper - c.lower
            let f = objective(c)
            func pastBound(_ bound: Double, _ step: Double) -> Bool {
                guard abs(v - bound) <= 1e-3 * span else { return false }
                var past = params
                c.set(&past, bound + step)
                return f(past) < f(params) - 1e-9
            }
            if pastBound(c.upper, 0.02 * span) { atBound.append((c, c.upper)) }
            if !c.lowerIsLimit, pastBound(c.lower, -0.02 * span) { atBound.append((c, c.lower)) }
        }
        let sources = sourceCount.keys.sorted()
        return DeviceFit(
            profile: profile, profiles: group, parameters: params, fitted: fitted, atBound: atBound, sources: sources,
            loss: loss(params))
    }

    /// The best value of `c` with every other parameter held: a grid, then golden section.
    static func search(_ c: FitParameter, from params: ModelParameters, loss: (ModelParameters) -> Double)
        -> (Double, Double)
    {
        func at(_ v: Double) -> Double {
            var m = params
            c.set(&m, v)
            return loss(m)
        }
        let grid: [Double] = (0..<gridPoints).map { i in
            let t = Double(i) / Double(gridPoints - 1)
            // Log-spaced where the bounds allow it, so 0.5 µs and 500 µs get the same resolution.
            return c.lower > 0 ? c.lower * pow(c.upper / c.lower, t) : c.upper * t * t
        }
        var bestI = 0
        var values = grid.map(at)
        for i in values.indices where values[i] < values[bestI] - 1e-12 { bestI = i }
        var a = grid[max(0, bestI - 1)], b = grid[min(grid.count - 1, bestI + 1)]
        let phi = (sqrt(5.0) - 1) / 2
        var x1 = b - phi * (b - a), x2 = a + phi * (b - a)
        var f1 = at(x1), f2 = at(x2)
        for _ in 0..<goldenSteps {
            if f1 <= f2 {
                (b, x2, f2) = (x2, x1, f1)
                x1 = b - phi * (b - a)
                f1 = at(x1)
            } else {
                (a, x1, f1) = (x1, x2, f2)
                x2 = a + phi * (b - a)
                f2 = at(x2)
            }
        }
        values = [values[bestI], f1, f2]
        let candidates = [grid[bestI], x1, x2]
        var k = 0
        for i in 1..<3 where values[i] < values[k] - 1e-12 { k = i }
        return (candidates[k], values[k])
    }

    static func round4(_ v: Double) -> Double {
        guard v != 0, v.isFinite else { return v }
        let digits = 4 - Int(floor(log10(abs(v)))) - 1
        let scale = pow(10.0, Double(digits))
        return (v * scale).rounded() / scale
    }
}

/// A fit that cannot be used: the parameter that ran into its bounds.
public struct FitError: Error, Equatable, Sendable, CustomStringConvertible {
    public var device: String
    public var parameter: String
    public var bound: Double

    public var description: String {
        "--fit cannot converge within the bounds: \(device) \(parameter) ends on its bound \(plainNumber(bound)) (the model cannot reproduce that device's calibration points; docs/models.md#fitting)"
    }
}

extension ModelFit {
    /// The fit of every device on the set's calibration sources, as a catalog: `catalog` with
    /// those devices' fitted parameters replaced (each fact's note names the sources and
    /// bounds). Throws when a parameter ends on a bound that is not a physical limit.
    public static func fitCalibration(set: ValidationSet, catalog: Catalog) throws -> (
        catalog: Catalog, fits: [DeviceFit]
    ) {
        var prepared: [PointEvaluator.Prepared] = []
        for (i, p) in set.points.enumerated() where p.split == "calibration" {
            prepared.append(try PointEvaluator.prepare(p, at: i))
        }
        var result = catalog
        var fits: [DeviceFit] = []
        for var fit in Self.fit(points: prepared, catalog: catalog) {
            if let (p, bound) = fit.atBound.first {
                throw FitError(device: fit.profiles.map(\.id).joined(separator: "+"), parameter: p.label, bound: bound)
            }
            for (p, v) in fit.fitted {
                p.set(&fit.parameters, v)
                note(
                    &fit.parameters, p,
                    "fitted on the calibration sources \(fit.sources.joined(separator: ", ")); bounds [\(plainNumber(p.lower)), \(plainNumber(p.upper))]"
                )
            }
            // The group's devices differ only in what the fit leaves alone (memory): one set.
            for member in fit.profiles {
                if let i = result.devices.firstIndex(where: { $0.name == member.device }) {
                    result.devices[i].model = fit.parameters
                }
            }
            fits.append(fit)
        }
        return (result, fits)
    }

    /// Sets the note of `p`'s fact in `m`.
    static func note(_ m: inout ModelParameters, _ p: FitParameter, _ text: String) {
        func on(_ f: inout Fact?) { f?.note = text }
        if let s = p.stack {
            var all = m.stacks ?? [:]
            var e = all[s] ?? StackParameters()
            switch p.name {
            case "matmul_efficiency": on(&e.matmulEfficiency)
            case "launch_overhead_us": on(&e.launchOverheadUs)
            case "step_efficiency": on(&e.stepEfficiency)
            default: on(&e.tileCostUs)
            }
            all[s] = e
            m.stacks = all
            return
        }
        switch p.name {
        case "matmul_efficiency": on(&m.matmulEfficiency)
        case "launch_overhead_us": on(&m.launchOverheadUs)
        case "tile_cost_us": on(&m.tileCostUs)
        case "attention_efficiency": on(&m.attentionEfficiency)
        case "step_efficiency": on(&m.stepEfficiency)
        default:
            var d = m.dtypeEfficiency ?? [:]
            d[.fp8]?.note = text
            m.dtypeEfficiency = d
        }
    }
}
