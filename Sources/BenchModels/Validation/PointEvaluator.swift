import BenchCore

/// Reproduces validation points with a device's model: the modeled time of all of a point's
/// cases, and the time the source published (a figure in TFLOP/s becomes the cases' FLOPs, as
/// bench counts them, over it). Shared by `bench validate-model` and the fit.
struct PointEvaluator: Sendable {
    /// One point, parsed once.
    struct Prepared: Sendable {
        var point: ValidationPoint
        var cases: [(c: KernelCase, count: Double, copies: Int)]
        /// FLOPs of all the cases, as bench counts them.
        var flops: Double
        /// The published figure as seconds for all the cases.
        var publishedSeconds: Double
        var regime: ModelRegime
    }

    static func prepare(_ p: ValidationPoint, at index: Int) throws(ValidationSetError) -> Prepared {
        var cases: [(KernelCase, Double, Int)] = []
        var flops = 0.0
        for part in p.cases {
            let c: KernelCase
            do { c = try KernelRegistry.builtIn.validatedCase(part.case) } catch {
                throw .invalid(
                    path: "validation set", location: "points[\(index)] (\(p.id))",
                    reason: "case '\(part.case)': \(error)")
            }
            let copies = part.batch ?? 1
            cases.append((c, part.count, copies))
            flops += part.count * Double(copies) * (KernelRegistry.builtIn.spec(named: c.kernel)?.flops(c) ?? 0)
        }
        let published = p.published.unit == "s" ? p.published.value : flops / (p.published.value * 1e12)
        return Prepared(point: p, cases: cases, flops: flops, publishedSeconds: published, regime: .of(p))
    }

    /// The modeled seconds of a prepared point on `model`.
    static func modeledSeconds(_ p: Prepared, on model: DeviceModel) throws(ModelError) -> Double {
        var seconds = 0.0
        for (c, count, copies) in p.cases {
            seconds += count * (try model.estimate(c, copies: copies).get().seconds)
        }
        return seconds
    }

    /// The device model of `profile` from `spec` with `parameters` (a stack's, or a fit's trial).
    static func model(profile: Profile, catalog: Catalog, parameters: ModelParameters?) -> DeviceModel? {
        guard var spec = catalog.device(named: profile.device), let inst = catalog.instance(named: profile.instance)
        else { return nil }
        spec.model = parameters
        let perBackend = spec.kind == "aws_cpu" || spec.kind == "x86_cpu" ? inst.deviceCount : 1
        return DeviceModel(device: spec, count: perBackend)
    }
}
