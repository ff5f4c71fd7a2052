/// Which of a suite's case lists to run.
public enum SuitePreset: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Every case at its full shape (the default).
    case full
    /// A few tiny cases for smoke runs and tests (`--quick`): microseconds per call, too short
    /// to gate on.
    case quick
    /// Cases sized for regression gates: one call takes at least a millisecond on a 2-core
    /// machine, both suites run in about a minute there (see `docs/ci.md`).
    case ci

    public var description: String { rawValue }

    /// How the preset's cases are measured.
    public var policy: MeasurementPolicy {
        switch self {
        case .full: .standard
        case .quick: .quick
        case .ci: .ci
        }
    }

    /// The flags that select the preset, as a user types them (for messages).
    public var flags: String {
        switch self {
        case .full: ""
        case .quick: " --quick"
        case .ci: " --preset ci"
        }
    }
}

/// A named, ordered list of benchmark cases.
public protocol Suite: Sendable {
    /// The suite name used by `--suite` and the CSV `suite` column.
    var name: String { get }
    /// A one-line description for `bench list`.
    var summary: String { get }
    /// The suite's cases for a preset.
    func cases(_ preset: SuitePreset) -> [KernelCase]
}

extension Suite {
    /// The full cases, or with `quick` the few small ones for smoke runs and tests.
    public func cases(quick: Bool) -> [KernelCase] { cases(quick ? .quick : .full) }
}

/// The suites this build knows.
public enum SuiteRegistry {
    /// Every built-in suite, in display order.
    public static let all: [any Suite] = [MatmulSuite(), TrainingSuite()]

    /// The suite named `name`, or `nil`.
    public static func suite(named name: String) -> (any Suite)? {
        all.first { $0.name == name }
    }
}
