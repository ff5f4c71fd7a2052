import BenchCore

/// The outcome of one case on one backend, the CSV `status` column.
public enum RowStatus: String, Sendable, Codable, CaseIterable {
    /// Measured (or modeled) and verified.
    case ok
    /// The output did not match the reference; the speed is not valid.
    case verifyFailed = "verify_failed"
    /// The backend cannot run this case (e.g. lacks the dtype); the reason is in `notes`.
    case unsupported
    /// The case failed to prepare or run; the reason is in `notes`.
    case error
    /// Not run (e.g. the run was interrupted first).
    case skipped

    /// Whether this status makes `bench run` exit with 1.
    public var isFailure: Bool { self == .verifyFailed || self == .error }
}
