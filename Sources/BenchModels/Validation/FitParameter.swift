import BenchCore

/// One parameter `bench validate-model --fit` derives from published points: its bounds, the
/// value every fit starts from (so a fit never depends on the catalog's previous fit), and how
/// it is read and written in a device's ``ModelParameters``. docs/models.md#fitting lists them.
public struct FitParameter: Sendable {
    public let name: String
    /// `nil`: the device's top-level (default-stack) parameter; else that stack's entry.
    public let stack: String?
    public let lower: Double
    public let upper: Double
    /// Whether reaching the lower bound is a physical limit (a tile cost of 0), not a failure.
    public let lowerIsLimit: Bool
    public let start: Double
    let get: @Sendable (ModelParameters) -> Double?
    let set: @Sendable (inout ModelParameters, Double) -> Void
    /// Whether the value in `m` came from an earlier fit (and so must not leak into a refit).
    let wasFitted: @Sendable (ModelParameters) -> Bool

    /// The parameter's value in `m` (`nil` when unset).
    public func value(in m: ModelParameters) -> Double? { get(m) }

    /// Whether the parameter is fitted on step points (attention, whole-step efficiency)
    /// rather than single kernels.
    var isStepParameter: Bool { name == "attention_efficiency" || name == "step_efficiency" }

    /// `name`, or `stack:name` for a stack's parameter.
    public var label: String { stack.map { "stacks.\($0).\(name)" } ?? name }

    /// The parameters fitted on a device of `kind`, for the default stack and for `otherStacks`.
    static func candidates(kind: String, parameters m: ModelParameters, hasFP8: Bool, otherStacks: [String])
        -> [FitParameter]
    {
        let cls = DeviceClass.of(kind: kind)
        let launchStart = cls == .gpu ? 5.0 : (cls == .trainium ? 30 : 20)
        var out: [FitParameter] = [
            fact("matmul_efficiency", lower: 0.2, upper: 1, start: 0.8, \.matmulEfficiency, unit: "fraction"),
            fact(
                "launch_overhead_us", lower: 0.5, upper: 500, start: launchStart, \.launchOverheadUs, unit: "us",
                lowerIsLimit: true),
            fact(
                "tile_cost_us", lower: 0, upper: 50, start: 1, \.tileCostUs, unit: "us", lowerIsLimit: true),
            fact("attention_efficiency", lower: 0.1, upper: 0.95, start: 0.4, \.attentionEfficiency, unit: "fraction"),
        ]
        if m.stepEfficiency != nil {
            out.append(fact("step_efficiency", lower: 0.1, upper: 1, start: 0.5, \.stepEfficiency, unit: "fraction"))
        }
        if hasFP8 {
            out.append(
                FitParameter(
                    name: "dtype_efficiency.fp8", stack: nil, lower: 0.4, upper: 1.25, lowerIsLimit: false, start: 0.9,
                    get: { $0.dtypeEfficiency?[.fp8]?.value },
                    set: { m, v in
                        var d = m.dtypeEfficiency ?? [:]
                        d[.fp8] = fitted(v, unit: "fraction", old: d[.fp8])
                        m.dtypeEfficiency = d
                    },
                    wasFitted: { $0.dtypeEfficiency?[.fp8]?.source == fitSource }))
        }
        for s in otherStacks {
            out.append(
                stackFact(
                    s, "matmul_efficiency", lower: 0.05, upper: 1, start: 0.8, \.matmulEfficiency, unit: "fraction"))
            out.append(
                stackFact(
                    s, "launch_overhead_us", lower: 0.5, upper: 5000, start: launchStart, \.launchOverheadUs,
                    unit: "us",
                    lowerIsLimit: true))
        }
        return out
    }

    static func fact(
        _ name: String, lower: Double, upper: Double, start: Double,
        _ field: WritableKeyPath<ModelParameters, Fact?> & Sendable, unit: String, lowerIsLimit: Bool = false
    ) -> FitParameter {
        FitParameter(
            name: name, stack: nil, lower: lower, upper: upper, lowerIsLimit: lowerIsLimit, start: start,
            get: { $0[keyPath: field]?.value },
            set: { m, v in m[keyPath: field] = fitted(v, unit: unit, old: m[keyPath: field]) },
            wasFitted: { $0[keyPath: field]?.source == fitSource })
    }

    static func stackFact(
        _ stack: String, _ name: String, lower: Double, upper: Double, start: Double,
        _ field: WritableKeyPath<StackParameters, Fact?> & Sendable, unit: String, lowerIsLimit: Bool = false
    ) -> FitParameter {
        FitParameter(
            name: name, stack: stack, lower: lower, upper: upper, lowerIsLimit: lowerIsLimit, start: start,
            get: { $0.stacks?[stack]?[keyPath: field]?.value },
            set: { m, v in
                var all = m.stacks ?? [:]
                var s = all[stack] ?? StackParameters()
                s[keyPath: field] = fitted(v, unit: unit, old: s[keyPath: field])
                all[stack] = s
                m.stacks = all
            },
            wasFitted: { $0.stacks?[stack]?[keyPath: field]?.source == fitSource })
    }

    /// A fitted value as a catalog fact: its source says it was fitted, its note is set later.
    static func fitted(_ v: Double, unit: String, old: Fact?) -> Fact {
        Fact(
            value: v, unit: unit, source: fitSource, date: "the fit of the catalog's version", note: old?.note,
            format: nil)
    }

    static let fitSource = "bench validate-model --fit"
}
