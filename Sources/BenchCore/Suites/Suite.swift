/// A named, ordered list of benchmark cases.
public protocol Suite: Sendable {
    /// The suite name used by `--suite` and the CSV `suite` column.
    var name: String { get }
    /// A one-line description for `bench list`.
    var summary: String { get }
    /// The suite's cases; `quick` gives a few small ones for smoke runs and tests.
    func cases(quick: Bool) -> [KernelCase]
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
